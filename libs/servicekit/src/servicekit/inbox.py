"""Inbox: a consumer claims each ``ce_id`` in the transaction of its effect.

A claim is an ``INSERT … ON CONFLICT DO NOTHING``: the row is written first, the effect
after, both commit together. A claim that inserts nothing is a duplicate — the event was done
before, or a concurrent copy of the consumer holds it (on PostgreSQL the second insert waits
for the first transaction and then finds the row; on SQLite writers are serialized). No error
text is ever read to tell a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock


def insert_ignoring_conflicts(dialect: str, table: Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the dialect named (``postgresql``, ``sqlite``)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


class Inbox:
    def __init__(self, session: AsyncSession, table: Table, clock: Clock) -> None:
        self._session = session
        self._table = table
        self._clock = clock
        self.claimed: list[str] = []

    async def seen(self, consumer: str, event_id: str) -> bool:
        row = await self._session.execute(
            select(self._table.c.event_id).where(
                self._table.c.consumer == consumer, self._table.c.event_id == event_id
            )
        )
        return row.first() is not None

    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool:
        """Record the event as processed by this transaction; ``False`` for a duplicate."""
        return bool(await self.claim_many(consumer, [(event_id, event_type)]))

    async def claim_many(self, consumer: str, events: Sequence[tuple[str, str]]) -> set[str]:
        """Claim several ``(event id, event type)`` in one statement; return the ids claimed
        (the others are duplicates)."""
        if not events:
            return set()
        now = self._clock.now()
        rows = [
            {"consumer": consumer, "event_id": event_id, "event_type": kind, "processed_at": now}
            for event_id, kind in dict(events).items()
        ]
        statement = insert_ignoring_conflicts(
            self._session.get_bind().dialect.name, self._table
        ).returning(self._table.c.event_id)
        result = await self._session.execute(statement, rows)
        claimed = set(result.scalars())
        self.claimed.extend(claimed)
        return claimed
