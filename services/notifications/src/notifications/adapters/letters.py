"""Letter channels: a folder (development) and a print-and-post provider's HTTP API
(production), behind one interface.

The folder channel writes ``<message id>.pdf`` and ``<message id>.json`` (the manifest: kind,
reference, address, status). Its status is the manifest's ``status``, which the print shop —
or an operator, locally — moves from ``queued`` to ``printed``, ``posted`` or ``returned``.

The provider channel posts the PDF and the address to ``POST {base}/letters`` and reads
``GET {base}/letters/{id}``; 5xx and network errors are transient, 4xx permanent.

A letter replaced by a re-issued key is withdrawn before it is printed: the folder channel
deletes its PDF and moves its manifest to ``withdrawn`` (only while ``queued``); the provider
is asked ``POST {base}/letters/{id}/cancel`` (409: printed already, too late).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from notifications.domain.errors import DeliveryFailed
from notifications.domain.letters import LETTER_STATUSES
from notifications.service_layer.ports import OutgoingLetter

STATUSES = frozenset(LETTER_STATUSES)


class FolderLetterChannel:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, letter: OutgoingLetter) -> str:
        await asyncio.to_thread(self._write, letter)
        return letter.message_id

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        return await asyncio.to_thread(self._write_all, letters)

    def _write_all(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        outcomes: list[str | DeliveryFailed] = []
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return [DeliveryFailed(f"letter folder: {exc}", permanent=False)] * len(letters)
        for letter in letters:
            try:
                self._write_file(letter)
            except OSError as exc:
                outcomes.append(DeliveryFailed(f"letter folder: {exc}", permanent=False))
            else:
                outcomes.append(letter.message_id)
        return outcomes

    def _write(self, letter: OutgoingLetter) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        self._write_file(letter)

    def _write_file(self, letter: OutgoingLetter) -> None:
        """The PDF, then its manifest (one line of JSON): a manifest names a PDF that is
        there."""
        pdf = self._directory / f"{letter.message_id}.pdf"
        manifest = self._directory / f"{letter.message_id}.json"
        _atomic_write(pdf, letter.content.pdf)
        _atomic_write(
            manifest,
            json.dumps(
                {
                    "message_id": letter.message_id,
                    "kind": letter.kind,
                    "reference": letter.reference,
                    "subject": letter.content.subject,
                    "address": list(letter.content.address_lines),
                    "pdf": pdf.name,
                    "status": "queued",
                    "queued_at": datetime.now(UTC).isoformat(),
                },
                ensure_ascii=False,
            ).encode()
            + b"\n",
        )

    async def status(self, reference: str) -> str:
        manifest = self._directory / f"{reference}.json"
        try:
            status = str(json.loads(manifest.read_text())["status"])
        except (OSError, ValueError, KeyError) as exc:
            raise DeliveryFailed(f"no readable manifest for {reference}", permanent=False) from exc
        if status not in STATUSES:
            raise DeliveryFailed(f"unknown letter status {status!r}", permanent=False)
        return status

    async def withdraw(self, reference: str) -> bool:
        return await asyncio.to_thread(self._withdraw, reference)

    def _withdraw(self, reference: str) -> bool:
        manifest = self._directory / f"{reference}.json"
        try:
            data = json.loads(manifest.read_text())
        except FileNotFoundError:
            return True  # never written: nothing can be printed
        except (OSError, ValueError) as exc:
            raise DeliveryFailed(f"no readable manifest for {reference}", permanent=False) from exc
        if data.get("status") == "withdrawn":
            return True
        if data.get("status") != "queued":
            return False
        data.update(status="withdrawn", withdrawn_at=datetime.now(UTC).isoformat())
        try:
            _atomic_write(manifest, json.dumps(data, ensure_ascii=False).encode() + b"\n")
            (self._directory / str(data.get("pdf", f"{reference}.pdf"))).unlink(missing_ok=True)
        except OSError as exc:
            raise DeliveryFailed(f"letter folder: {exc}", permanent=False) from exc
        return True


def _atomic_write(path: Path, data: bytes) -> None:
    """A reader sees the whole file or none: written beside it, then renamed over it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class HttpLetterProvider:
    def __init__(self, client: httpx.AsyncClient, concurrency: int = 8) -> None:
        self._client = client
        self.concurrency = concurrency

    async def send(self, letter: OutgoingLetter) -> str:
        body = {
            "client_reference": letter.message_id,
            "address": list(letter.content.address_lines),
            "pdf_base64": base64.b64encode(letter.content.pdf).decode(),
            "color": False,
            "postage": "lettre_verte",
        }
        headers = {"Idempotency-Key": letter.message_id}
        data = await self._call("POST", "/letters", json=body, headers=headers)
        return str(data["id"])

    async def send_many(self, letters: Sequence[OutgoingLetter]) -> list[str | DeliveryFailed]:
        """A few requests at a time; each letter's outcome on its own."""
        limit = asyncio.Semaphore(self.concurrency)

        async def one(letter: OutgoingLetter) -> str | DeliveryFailed:
            async with limit:
                try:
                    return await self.send(letter)
                except DeliveryFailed as exc:
                    return exc

        return list(await asyncio.gather(*(one(letter) for letter in letters)))

    async def status(self, reference: str) -> str:
        data = await self._call("GET", f"/letters/{reference}")
        status = str(data.get("status"))
        if status not in STATUSES:
            raise DeliveryFailed(f"unknown letter status {status!r}", permanent=False)
        return status

    async def withdraw(self, reference: str) -> bool:
        try:
            await self._call("POST", f"/letters/{reference}/cancel")
        except _TooLate:
            return False
        return True

    async def _call(self, method: str, path: str, **kwargs: object) -> dict[str, object]:
        try:
            resp = await self._client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            reason = f"letter provider unreachable: {type(exc).__name__}"
            raise DeliveryFailed(reason, permanent=False) from exc
        if resp.status_code >= 500:
            raise DeliveryFailed(f"letter provider {resp.status_code}", permanent=False)
        if resp.status_code == 409 and path.endswith("/cancel"):
            raise _TooLate(path)
        if resp.status_code >= 400:
            raise DeliveryFailed(f"letter provider refused: {resp.status_code}", permanent=True)
        if not resp.content:
            return {}
        data: dict[str, object] = resp.json()
        return data


class _TooLate(Exception):
    """The provider printed the letter already: it can no longer be cancelled."""
