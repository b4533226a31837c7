"""In-memory fakes of the outbox, the inbox and the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from contracts.base import EventPayload

from servicekit.outbox import Outgoing


@dataclass
class StoredEvent:
    payload: EventPayload
    subject: str
    event_id: str


@dataclass
class FakeOutbox:
    events: list[StoredEvent] = field(default_factory=list)
    _pending: list[StoredEvent] = field(default_factory=list)

    async def add(
        self, payload: EventPayload, *, subject: str, event_id: str | None = None
    ) -> StoredEvent:
        stored = StoredEvent(payload, subject, event_id or str(uuid.uuid4()))
        self._pending.append(stored)
        return stored

    async def add_many(self, outgoing: Sequence[Outgoing]) -> list[StoredEvent]:
        return [await self.add(o.payload, subject=o.subject, event_id=o.event_id) for o in outgoing]

    def commit(self) -> None:
        self.events.extend(self._pending)
        self._pending.clear()

    def rollback(self) -> None:
        self._pending.clear()

    def of_type(self, cls: type[EventPayload]) -> list[EventPayload]:
        return [e.payload for e in self.events if isinstance(e.payload, cls)]


@dataclass
class FakeInbox:
    """Claims as the SQL inbox makes them: a claim of an event done (or claimed in this
    transaction) is refused."""

    processed: set[tuple[str, str]] = field(default_factory=set)
    _pending: set[tuple[str, str]] = field(default_factory=set)

    async def seen(self, consumer: str, event_id: str) -> bool:
        return (consumer, event_id) in self.processed or (consumer, event_id) in self._pending

    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool:
        return bool(await self.claim_many(consumer, [(event_id, event_type)]))

    async def claim_many(self, consumer: str, events: Sequence[tuple[str, str]]) -> set[str]:
        claimed: set[str] = set()
        for event_id, _ in events:
            if not await self.seen(consumer, event_id):
                self._pending.add((consumer, event_id))
                claimed.add(event_id)
        return claimed

    def commit(self) -> None:
        self.processed |= self._pending
        self._pending.clear()

    def rollback(self) -> None:
        self._pending.clear()


class FakeUnitOfWorkBase:
    """Base of a service's fake unit of work: commit and rollback reach outbox and inbox."""

    def __init__(self) -> None:
        self.outbox = FakeOutbox()
        self.inbox = FakeInbox()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        self.outbox.commit()
        self.inbox.commit()
        self._commit_state()
        self.commits += 1

    async def rollback(self) -> None:
        self.outbox.rollback()
        self.inbox.rollback()
        self._rollback_state()

    def _commit_state(self) -> None:
        """Subclasses keep their repositories' pending changes until commit."""

    def _rollback_state(self) -> None:
        """Subclasses drop their repositories' pending changes."""
