"""The SMTP catcher: a real SMTP server (aiosmtpd) that keeps every mail as a file.

``python -m devstack.smtp_catcher --port 1025 --dir var/mail`` runs it as a process; tests use
:class:`SmtpCatcher` in-process. Each mail is written atomically as ``<time>-<uuid>.eml``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _StoreHandler:
    def __init__(self, directory: Path, refuse: frozenset[str] = frozenset()) -> None:
        self.directory = directory
        self.refuse = refuse

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        tmp = self.directory / f".{name}.tmp"
        content = envelope.original_content or envelope.content
        tmp.write_bytes(content if isinstance(content, bytes) else content.encode())
        tmp.rename(self.directory / name)
        return "250 Message accepted for delivery"


class SmtpCatcher:
    """An in-process catcher on 127.0.0.1; stop and start it again to simulate an outage."""

    def __init__(self, directory: Path, port: int, refuse: frozenset[str] = frozenset()) -> None:
        """``refuse``: addresses answered ``550`` (a mailbox that does not exist)."""
        self.directory = directory
        self.port = port
        self.refuse = frozenset(a.lower() for a in refuse)
        self._controller: Controller | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            _StoreHandler(self.directory, self.refuse), hostname="127.0.0.1", port=self.port
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="smtp-catcher")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    args = parser.parse_args()
    catcher = SmtpCatcher(args.dir, args.port)
    catcher.start()
    print(f"smtp catcher on 127.0.0.1:{args.port}, mails in {args.dir}", flush=True)

    async def wait_for_signal() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait_for_signal())
    finally:
        catcher.stop()


if __name__ == "__main__":
    main()
