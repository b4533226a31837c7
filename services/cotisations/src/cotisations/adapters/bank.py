"""The bank side: the pain.008 writer (sepaxml) and the bank channels.

The folder channel (development) writes each debit file atomically under its name, with a
``.json`` manifest beside it; the production channel (the bank's file-transfer service) is the
``BankChannel`` port, to be implemented against the bank's own protocol (EBICS or SFTP).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from sepaxml import SepaDD

from cotisations.service_layer.ports import DebitBatch

PAIN_008 = "pain.008.001.02"


class SepaxmlDebitFileWriter:
    """SEPA Core direct debits, one batch per file (``RCUR``: since the 2016 rulebook a first
    collection needs no ``FRST``), amounts in cents, names transliterated to the SEPA set."""

    def __init__(self, name: str, iban: str, bic: str, creditor_id: str) -> None:
        self._config = {
            "name": name,
            "IBAN": iban,
            "BIC": bic,
            "batch": True,
            "creditor_id": creditor_id,
            "currency": "EUR",
            "instrument": "CORE",
        }

    def write(self, batch: DebitBatch) -> bytes:
        sepa = SepaDD(dict(self._config), schema=PAIN_008)
        sepa.msg_id = batch.message_id
        header = sepa._xml.find("CstmrDrctDbtInitn/GrpHdr")
        assert header is not None
        header_id, created = header.find("MsgId"), header.find("CreDtTm")
        assert header_id is not None
        assert created is not None
        header_id.text = batch.message_id
        created.text = batch.created_at.strftime("%Y-%m-%dT%H:%M:%S")
        for line in batch.lines:
            sepa.add_payment(
                {
                    "name": line.holder,
                    "IBAN": line.iban,
                    "BIC": line.bic,
                    "amount": int(line.amount * 100),
                    "type": "RCUR",
                    "collection_date": batch.collection_date,
                    "mandate_id": line.rum,
                    "mandate_date": line.mandate_signed_on,
                    "description": line.description,
                    "endtoend_id": line.end_to_end_id,
                }
            )
        content: bytes = sepa.export(validate=False)
        return content


def _atomic_write(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)


class FolderBankChannel:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def deliver(self, file_name: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, file_name, content)

    def _write(self, file_name: str, content: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        _atomic_write(self._directory / file_name, content)
        _atomic_write(
            self._directory / f"{file_name}.json",
            json.dumps({"file": file_name, "bytes": len(content), "status": "sent"}).encode(),
        )
