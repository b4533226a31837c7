"""The unit of work: one transaction that owns the repositories, the outbox and the inbox.

A service subclasses :class:`SqlAlchemyUnitOfWork` and builds its repositories in
:meth:`_open`. A use case is: load, call the domain, write the outgoing events to the outbox,
commit. A consumer also records the event id in the inbox in the same transaction. A use case
that only reads opens its unit of work with ``read_only=True``: on SQLite it then waits for no
writer (``BEGIN`` rather than ``BEGIN IMMEDIATE``), on PostgreSQL the transaction is READ ONLY;
it cannot commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar

from contracts.base import EventPayload
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import Clock
from servicekit.db import READ_ONLY
from servicekit.inbox import Inbox
from servicekit.messaging import IncomingEvent
from servicekit.outbox import OutboxWriter, Outgoing


class OutboxPort(Protocol):
    async def add(
        self, payload: EventPayload, *, subject: str, event_id: str | None = None
    ) -> object: ...
    async def add_many(self, outgoing: Sequence[Outgoing]) -> Sequence[object]: ...


class InboxPort(Protocol):
    async def seen(self, consumer: str, event_id: str) -> bool: ...
    async def seen_among(self, consumer: str, event_ids: Collection[str]) -> set[str]: ...
    async def record(self, consumer: str, event_id: str, event_type: str) -> None: ...
    async def record_many(self, consumer: str, events: Sequence[tuple[str, str]]) -> None: ...


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


class DuplicateEvent(Exception):
    """Another copy of the consumer recorded the same event first."""


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
    ) -> None:
        self._sessions = sessions
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
        try:
            await self.session.commit()
        except IntegrityError as exc:
            if "inbox" in str(exc.orig).lower() or "pk_inbox" in str(exc.orig).lower():
                raise DuplicateEvent(str(exc.orig)) from exc
            raise
        self.committed = True

    async def rollback(self) -> None:
        await self.session.rollback()


U = TypeVar("U", bound=AbstractUnitOfWork)
T = TypeVar("T")


async def consume_once(
    uow: U, consumer: str, event: IncomingEvent, effect: Callable[[U], Awaitable[T]]
) -> T | None:
    """An idempotent consumer: run ``effect`` and record the event in the inbox in one
    transaction. A duplicate (seen before, or recorded first by a concurrent copy) changes
    nothing and returns None."""
    try:
        async with uow:
            if await uow.inbox.seen(consumer, event.envelope.id):
                return None
            result = await effect(uow)
            await uow.inbox.record(consumer, event.envelope.id, event.envelope.type)
            await uow.commit()
            return result
    except DuplicateEvent:
        return None


async def consume_batch(
    uow: U,
    consumer: str,
    events: Sequence[IncomingEvent],
    effect: Callable[[U, IncomingEvent], Awaitable[object]],
    flush: Callable[[U], Awaitable[object]] | None = None,
) -> int:
    """:func:`consume_once` for several events in one transaction: each event's effect and its
    inbox record commit together with the others'; events seen before (or twice in the batch)
    are skipped. ``flush``, when given, runs after the last effect and before the commit, for
    effects that stage their writes to make them in one statement. Returns how many were
    applied. A concurrent copy having recorded one of them first raises
    :class:`DuplicateEvent`: the caller then takes the events one by one."""
    async with uow:
        taken = await uow.inbox.seen_among(consumer, [e.envelope.id for e in events])
        applied: list[tuple[str, str]] = []
        for event in events:
            event_id = event.envelope.id
            if event_id in taken:
                continue
            taken.add(event_id)
            await effect(uow, event)
            applied.append((event_id, event.envelope.type))
        if flush is not None:
            await flush(uow)
        await uow.inbox.record_many(consumer, applied)
        await uow.commit()
    return len(applied)
