"""The bank side: the pain.008 writer (sepaxml) and the bank channels.

The folder channel (development) writes each debit file atomically under its name, with a
``.json`` manifest beside it; the production channel (the bank's file-transfer service) is the
``BankChannel`` port, to be implemented against the bank's own protocol (EBICS or SFTP).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD
from text_unidecode import unidecode

from cotisations.service_layer.ports import DebitBatch

PAIN_008 = "pain.008.001.02"


_TOKENS = {
    "end_to_end_id": "@@E2E@@",
    "rum": "@@RUM@@",
    "holder": "@@NAME@@",
    "iban": "@@IBAN@@",
    "bic": "@@BIC@@",
    "description": "@@DESC@@",
}
_SIGNED = "1900-01-01"
_SIGNATURE = f"<DtOfSgntr>{_SIGNED}</DtOfSgntr>"
_AMOUNT = '<InstdAmt Ccy="EUR">0.01</InstdAmt>'
_BIC_ELEMENT = f"<BIC>{_TOKENS['bic']}</BIC>"
_NO_BIC = "<Othr><Id>NOTPROVIDED</Id></Othr>"


def _debtor_agent(iban: str, bic: str) -> str:
    """The debtor's bank: the BIC given, else the one the bank registry gives for the IBAN's
    bank code (a telepayment part on another account than the mandate's), else none (SEPA
    debits need only the IBAN)."""
    if not bic:
        try:
            found = IBAN(iban).bic
        except SchwiftyException:
            found = None
        bic = str(found) if found is not None else ""
    return f"<BIC>{escape(bic)}</BIC>" if bic else _NO_BIC


def _text(value: str, limit: int) -> str:
    """As sepaxml cleans a name or a description: transliterated to ASCII, cut, escaped."""
    return escape((value if value.isascii() else unidecode(value))[:limit])


class SepaxmlDebitFileWriter:
    """SEPA Core direct debits, one batch per file (``RCUR``: since the 2016 rulebook a first
    collection needs no ``FRST``), names transliterated to the SEPA set as sepaxml does.

    sepaxml builds the document — group header, the creditor's payment information and one
    transaction — from which the transaction is kept as a template: each debit is that
    transaction with its values, and the counts and control sums are the file's. A file of
    100,000 debits is then written in a second where building the whole tree with sepaxml
    takes seventeen; the tests check the result against the pain.008.001.02 XSD."""

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

    def _frame(self, batch: DebitBatch) -> tuple[str, str, str]:
        sepa = SepaDD(dict(self._config), schema=PAIN_008)
        sepa.add_payment(
            {
                "name": _TOKENS["holder"],
                "IBAN": _TOKENS["iban"],
                "BIC": _TOKENS["bic"],
                "amount": 1,
                "type": "RCUR",
                "collection_date": batch.collection_date,
                "mandate_id": _TOKENS["rum"],
                "mandate_date": date.fromisoformat(_SIGNED),
                "description": _TOKENS["description"],
                "endtoend_id": _TOKENS["end_to_end_id"],
            }
        )
        document: str = sepa.export(validate=False).decode()
        start = document.index("<DrctDbtTxInf>")
        end = document.index("</DrctDbtTxInf>") + len("</DrctDbtTxInf>")
        return document[:start], document[start:end], document[end:]

    def write(self, batch: DebitBatch) -> bytes:
        head, transaction, tail = self._frame(batch)
        total = sum((line.amount for line in batch.lines), Decimal(0))
        head = re.sub(r"<MsgId>[^<]*</MsgId>", f"<MsgId>{escape(batch.message_id)}</MsgId>", head)
        head = re.sub(
            r"<CreDtTm>[^<]*</CreDtTm>",
            f"<CreDtTm>{batch.created_at:%Y-%m-%dT%H:%M:%S}</CreDtTm>",
            head,
        )
        head = re.sub(
            r"<PmtInfId>[^<]*</PmtInfId>",
            f"<PmtInfId>{escape(batch.message_id)}-1</PmtInfId>",
            head,
        )
        head = head.replace("<NbOfTxs>1</NbOfTxs>", f"<NbOfTxs>{len(batch.lines)}</NbOfTxs>")
        head = head.replace("<CtrlSum>0.01</CtrlSum>", f"<CtrlSum>{total:.2f}</CtrlSum>")
        pieces = re.split(
            "("
            + re.escape(_BIC_ELEMENT)
            + "|@@[A-Z0-9]+@@|"
            + re.escape(_SIGNATURE)
            + "|"
            + re.escape(_AMOUNT)
            + ")",
            transaction,
        )
        out = [head]
        for line in batch.lines:
            values = {
                _TOKENS["end_to_end_id"]: escape(line.end_to_end_id),
                _TOKENS["rum"]: escape(line.rum),
                _TOKENS["holder"]: _text(line.holder, 70),
                _TOKENS["iban"]: escape(line.iban),
                _BIC_ELEMENT: _debtor_agent(line.iban, line.bic),
                _TOKENS["description"]: _text(line.description, 140),
                _SIGNATURE: f"<DtOfSgntr>{line.mandate_signed_on.isoformat()}</DtOfSgntr>",
                _AMOUNT: f'<InstdAmt Ccy="EUR">{line.amount:.2f}</InstdAmt>',
            }
            out.extend(values.get(piece, piece) for piece in pieces)
        out.append(tail)
        return "".join(out).encode()


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
