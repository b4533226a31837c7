"""The unit of work: one transaction that owns the repositories, the outbox and the inbox.

A service subclasses :class:`SqlAlchemyUnitOfWork` and builds its repositories in
:meth:`_open`. A use case is: load, call the domain, write the outgoing events to the outbox,
commit. A consumer also records the event id in the inbox in the same transaction. A use case
that only reads opens its unit of work with ``read_only=True``: on SQLite it then waits for no
writer (``BEGIN`` rather than ``BEGIN IMMEDIATE``), on PostgreSQL the transaction is READ ONLY;
it cannot commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar

from contracts.base import EventPayload
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import Clock
from servicekit.db import READ_ONLY
from servicekit.doorbell import RelayDoorbell
from servicekit.faults import fault_point
from servicekit.inbox import Inbox
from servicekit.messaging import IncomingEvent
from servicekit.metrics import INBOX_DUPLICATES
from servicekit.outbox import OutboxWriter, Outgoing


class OutboxPort(Protocol):
    async def add(
        self, payload: EventPayload, *, subject: str, event_id: str | None = None
    ) -> object: ...
    async def add_many(self, outgoing: Sequence[Outgoing]) -> Sequence[object]: ...


class InboxPort(Protocol):
    async def seen(self, consumer: str, event_id: str) -> bool: ...
    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool: ...
    async def claim_many(self, consumer: str, events: Sequence[tuple[str, str]]) -> set[str]: ...


class AbstractUnitOfWork(Protocol):
    @property
    def outbox(self) -> OutboxPort: ...
    @property
    def inbox(self) -> InboxPort: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class SqlAlchemyUnitOfWork:
    outbox: OutboxWriter
    inbox: Inbox
    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        outbox_table: Table,
        inbox_table: Table,
        source: str,
        clock: Clock,
        read_only: bool = False,
        doorbell: RelayDoorbell | None = None,
    ) -> None:
        self._sessions = sessions
        self._doorbell = doorbell
        self.read_only = read_only
        self._outbox_table = outbox_table
        self._inbox_table = inbox_table
        self._source = source
        self.clock = clock
        self.committed = False

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        if self.read_only:  # a reader: no write lock on SQLite, READ ONLY on PostgreSQL
            connection = await self.session.connection(execution_options={READ_ONLY: True})
            if connection.dialect.name == "postgresql":
                await connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        self.outbox = OutboxWriter(self.session, self._outbox_table, self._source, self.clock)
        self.inbox = Inbox(self.session, self._inbox_table, self.clock)
        self.committed = False
        self._open()
        return self

    def _open(self) -> None:
        """Build the service's repositories on ``self.session``."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self.committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self.outbox.flush()
        if self.inbox.claimed:
            fault_point("consumer.mid_handler", event_ids=self.inbox.claimed)
        await self.session.commit()
        self.committed = True
        if self.outbox.added and not self.inbox.claimed:
            fault_point("uow.after_commit", event_ids=[e.envelope.id for e in self.outbox.added])
        if self.outbox.added and self._doorbell is not None:
            await self._doorbell.ring()  # the relay publishes now, not at its next poll

    async def rollback(self) -> None:
        await self.session.rollback()


U = TypeVar("U", bound=AbstractUnitOfWork)
T = TypeVar("T")


async def consume_once(
    uow: U, consumer: str, event: IncomingEvent, effect: Callable[[U], Awaitable[T]]
) -> T | None:
    """An idempotent consumer: claim the event in the inbox, run ``effect``, commit both in
    one transaction. A duplicate (done before, or held by a concurrent copy until it commits)
    changes nothing and returns None."""
    async with uow:
        if not await uow.inbox.claim(consumer, event.envelope.id, event.envelope.type):
            INBOX_DUPLICATES.labels(consumer).inc()
            return None
        result = await effect(uow)
        await uow.commit()
        return result


async def consume_batch(
    uow: U,
    consumer: str,
    events: Sequence[IncomingEvent],
    effect: Callable[[U, IncomingEvent], Awaitable[object]],
    flush: Callable[[U], Awaitable[object]] | None = None,
) -> int:
    """:func:`consume_once` for several events in one transaction: the events are claimed in
    one statement, then each claimed event's effect runs (in the fetch's order); events done
    before, or twice in the batch, are skipped. ``flush``, when given, runs after the last
    effect and before the commit, for effects that stage their writes to make them in one
    statement. Returns how many were applied."""
    async with uow:
        claimed = await uow.inbox.claim_many(
            consumer, [(e.envelope.id, e.envelope.type) for e in events]
        )
        applied = 0
        for event in events:
            if event.envelope.id not in claimed:
                continue
            claimed.discard(event.envelope.id)
            await effect(uow, event)
            applied += 1
        if flush is not None:
            await flush(uow)
        await uow.commit()
    duplicates = len(events) - applied
    if duplicates:
        INBOX_DUPLICATES.labels(consumer).inc(duplicates)
    return applied
