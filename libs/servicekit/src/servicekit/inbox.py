"""Inbox: a consumer records each processed ``ce_id`` in the transaction of its effect."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock


class Inbox:
    def __init__(self, session: AsyncSession, table: Table, clock: Clock) -> None:
        self._session = session
        self._table = table
        self._clock = clock

    async def seen(self, consumer: str, event_id: str) -> bool:
        row = await self._session.execute(
            select(self._table.c.event_id).where(
                self._table.c.consumer == consumer, self._table.c.event_id == event_id
            )
        )
        return row.first() is not None

    async def seen_among(self, consumer: str, event_ids: Collection[str]) -> set[str]:
        """Which of ``event_ids`` were processed before (one query for a batch)."""
        rows = await self._session.execute(
            select(self._table.c.event_id).where(
                self._table.c.consumer == consumer, self._table.c.event_id.in_(set(event_ids))
            )
        )
        return set(rows.scalars())

    async def record(self, consumer: str, event_id: str, event_type: str) -> None:
        """Record the event; a concurrent duplicate fails the commit on the primary key."""
        await self.record_many(consumer, [(event_id, event_type)])

    async def record_many(self, consumer: str, events: Sequence[tuple[str, str]]) -> None:
        """Record several ``(event id, event type)`` in one statement."""
        if not events:
            return
        now = self._clock.now()
        await self._session.execute(
            insert(self._table),
            [
                {
                    "consumer": consumer,
                    "event_id": event_id,
                    "event_type": event_type,
                    "processed_at": now,
                }
                for event_id, event_type in events
            ],
        )
