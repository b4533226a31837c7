"""The outbox relay's doorbell: a commit that wrote outbox rows wakes the relay at once,
whichever process made it, instead of the relay finding the rows at its next poll.

The copy of the worker that holds the outbox lease listens on a UDP socket (its *doorbell*)
and names it in the lease row (``holder`` ends with ``@host:port``). A unit of work that
commits outbox rows reads that address (cached for a second) and sends it one datagram. The
doorbell only hastens: a datagram lost, a stale address after a failover, a process that
cannot reach the holder — the relay still finds the rows at its poll, which is why the poll
can be slow and an idle platform costs little. Nothing of the outbox's guarantees depends on
it: the relay alone publishes, in id order, under its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import reading
from servicekit.logging import get_logger

_log = get_logger(__name__)
RELAY_LEASE = "outbox-relay"


def address_in(holder: str) -> tuple[str, int] | None:
    """The doorbell a lease holder named (``…@host:port``), if any."""
    _, at, where = holder.rpartition("@")
    host, colon, port = where.rpartition(":")
    if not at or not colon or not host or not port.isdigit():
        return None
    return host, int(port)


class _Ring(asyncio.DatagramProtocol):
    def __init__(self, on_ring: Callable[[], None]) -> None:
        self._on_ring = on_ring

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._on_ring()


class Doorbell:
    """The socket the relay listens on; each datagram calls ``on_ring``."""

    def __init__(self, on_ring: Callable[[], None], host: str = "127.0.0.1") -> None:
        self._on_ring = on_ring
        self._host = host
        self._transport: asyncio.DatagramTransport | None = None
        self.address = ""

    async def open(self) -> str:
        """Listen on a free port of ``host``; return ``host:port``."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Ring(self._on_ring), local_addr=(self._host, 0), family=socket.AF_INET
        )
        self._transport = transport
        host, port = transport.get_extra_info("sockname")[:2]
        self.address = f"{host}:{port}"
        return self.address

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class RelayDoorbell:
    """Rings the doorbell of the relay that holds the service's outbox lease."""

    def __init__(self, engine: AsyncEngine, lease_table: Table, ttl_s: float = 1.0) -> None:
        self._engine = engine
        self._table = lease_table
        self._ttl_s = ttl_s
        self._address: tuple[str, int] | None = None
        self._read_at = -float("inf")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self.rung = 0

    async def _holder_address(self) -> tuple[str, int] | None:
        now = time.monotonic()
        if now - self._read_at >= self._ttl_s:
            self._read_at = now
            t = self._table
            async with reading(self._engine) as conn:
                holder = (
                    await conn.execute(select(t.c.holder).where(t.c.name == RELAY_LEASE))
                ).scalar_one_or_none()
            self._address = address_in(holder) if holder else None
        return self._address

    async def ring(self) -> None:
        """One datagram to the holder's doorbell; never raises (the poll is the fallback)."""
        try:
            address = await self._holder_address()
            if address is None:
                return
            with contextlib.suppress(OSError):
                self._socket.sendto(b"\x01", address)
                self.rung += 1
        except Exception as exc:  # the commit is done; waking the relay is only a hastener
            _log.debug("doorbell_not_rung", error=repr(exc))

    def close(self) -> None:
        self._socket.close()
