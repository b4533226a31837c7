"""A lease with a fencing token, kept in the service's own database (SQLite or PostgreSQL).

Several copies of a worker may run; one of them holds the outbox lease and publishes. The
lease is a row ``(name, holder, token, expires_at)``: the holder renews it before it expires;
another copy takes it only once it has expired, and taking it increments the *token*. Every
write the holder makes under the lease (marking rows published) is conditioned on the row
still naming it with its token (:meth:`Lease.fence`), so a copy that lost the lease — paused,
partitioned from the database, its clock behind — can no longer mark anything, and learns it
has lost the lease from that write. What it published meanwhile is a duplicate the inboxes
drop; the order of first copies per key is kept because every holder publishes in id order.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.clock import Clock
from servicekit.db import as_utc, reading
from servicekit.logging import get_logger

_log = get_logger(__name__)


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        *,
        name: str,
        clock: Clock,
        ttl_s: float = 10.0,
        holder: str | None = None,
    ) -> None:
        self._engine = engine
        self._table = table
        self.name = name
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_s)
        self.holder = holder or new_holder_id()
        self.token: int | None = None
        self._expires_at: datetime | None = None

    @property
    def held(self) -> bool:
        """Held as far as this copy knows (its lease has not expired by its own clock)."""
        return (
            self.token is not None
            and self._expires_at is not None
            and self._clock.now() < self._expires_at
        )

    def needs_renewal(self) -> bool:
        """Renew when a third of the lease is gone: cheap while idle, safe before expiry."""
        if not self.held or self._expires_at is None:
            return True
        return self._clock.now() >= self._expires_at - self._ttl * (2 / 3)

    async def hold(self) -> bool:
        """Renew the lease, or take it if it is free or expired; ``True`` if held."""
        if not self.needs_renewal():
            return True
        now = self._clock.now()
        expires = now + self._ttl
        t = self._table
        if self.token is None and await self._held_elsewhere(now):
            return False  # a standby only reads: no write lock while another copy holds it
        async with self._engine.begin() as conn:
            if self.token is not None:
                renewed = await conn.execute(
                    update(t)
                    .where(
                        t.c.name == self.name, t.c.holder == self.holder, t.c.token == self.token
                    )
                    .values(expires_at=expires)
                )
                if renewed.rowcount == 1:
                    self._expires_at = expires
                    return True
                self._lost()
            current = (
                await conn.execute(select(t.c.token, t.c.expires_at).where(t.c.name == self.name))
            ).first()
            if current is None:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            insert(t).values(
                                name=self.name, holder=self.holder, token=1, expires_at=expires
                            )
                        )
                except IntegrityError:
                    return False  # another copy took it first
                return self._taken(1, expires)
            if as_utc(current.expires_at) > now:
                return False
            taken = await conn.execute(
                update(t)
                .where(t.c.name == self.name, t.c.token == current.token)
                .values(holder=self.holder, token=current.token + 1, expires_at=expires)
            )
            if taken.rowcount != 1:
                return False
            return self._taken(int(current.token) + 1, expires)

    async def _held_elsewhere(self, now: datetime) -> bool:
        t = self._table
        async with reading(self._engine) as conn:
            current = (
                await conn.execute(select(t.c.expires_at).where(t.c.name == self.name))
            ).first()
            await conn.rollback()
        return current is not None and as_utc(current.expires_at) > now

    def _taken(self, token: int, expires: datetime) -> bool:
        self.token, self._expires_at = token, expires
        _log.info("lease_acquired", lease=self.name, fencing_token=token)
        return True

    def _lost(self) -> None:
        if self.token is not None:
            _log.warning("lease_lost", lease=self.name, fencing_token=self.token)
        self.token, self._expires_at = None, None

    def fence(self) -> ColumnElement[bool]:
        """A condition true only while this copy still holds the lease with its token."""
        t = self._table
        return exists().where(
            and_(t.c.name == self.name, t.c.holder == self.holder, t.c.token == (self.token or -1))
        )

    def fenced_out(self) -> None:
        """A fenced write found the lease taken: forget it."""
        self._lost()

    async def release(self) -> None:
        """Give the lease up at shutdown so that another copy takes over at once."""
        if self.token is None:
            return
        t = self._table
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(t)
                    .where(
                        t.c.name == self.name, t.c.holder == self.holder, t.c.token == self.token
                    )
                    .values(expires_at=self._clock.now())
                )
        finally:
            self.token, self._expires_at = None, None
