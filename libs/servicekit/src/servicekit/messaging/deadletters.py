"""Dead letters: a message given up goes to ``<topic>.<consumer>.dlq`` and is recorded in the
service's ``dead_letters`` table, once.

The record is what makes a redelivery harmless: should the consumer die after the dead-letter
publish and before its offset commit, the message comes back, fails again, finds its record
(same group, topic, partition and offset) and is not published a second time. The only window
left is a death between the publish and the record (one duplicate entry in the DLQ, which a
replay absorbs through the inboxes). The table is also what operators list and replay
(:mod:`servicekit.operations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import reading
from servicekit.inbox import insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class DeadLetter:
    group: str
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    error: str
    error_type: str
    attempts: int
    dlq_topic: str
    at: datetime


class DeadLetterStore(Protocol):
    async def has(self, group: str, topic: str, partition: int, offset: int) -> bool: ...
    async def add(self, letter: DeadLetter) -> None: ...
    async def count_pending(self) -> int: ...


@dataclass
class MemoryDeadLetterStore:
    """For a consumer without a database (tests of the plumbing)."""

    letters: list[DeadLetter] = field(default_factory=list)

    async def has(self, group: str, topic: str, partition: int, offset: int) -> bool:
        return any(
            (d.group, d.topic, d.partition, d.offset) == (group, topic, partition, offset)
            for d in self.letters
        )

    async def add(self, letter: DeadLetter) -> None:
        if not await self.has(letter.group, letter.topic, letter.partition, letter.offset):
            self.letters.append(letter)

    async def count_pending(self) -> int:
        return len(self.letters)


class SqlDeadLetterStore:
    def __init__(self, engine: AsyncEngine, table: Table) -> None:
        self._engine = engine
        self._table = table

    async def has(self, group: str, topic: str, partition: int, offset: int) -> bool:
        t = self._table
        async with reading(self._engine) as conn:
            row = (
                await conn.execute(
                    select(t.c.id).where(
                        t.c.consumer_group == group,
                        t.c.topic == topic,
                        t.c.partition == partition,
                        t.c.offset == offset,
                    )
                )
            ).first()
            await conn.rollback()
        return row is not None

    async def add(self, letter: DeadLetter) -> None:
        async with self._engine.begin() as conn:
            statement = insert_ignoring_conflicts(conn.dialect.name, self._table)
            await conn.execute(
                statement,
                {
                    "consumer_group": letter.group,
                    "topic": letter.topic,
                    "partition": letter.partition,
                    "offset": letter.offset,
                    "key": letter.key,
                    "event_id": letter.event_id,
                    "event_type": letter.event_type,
                    "error": letter.error,
                    "error_type": letter.error_type,
                    "attempts": letter.attempts,
                    "dlq_topic": letter.dlq_topic,
                    "dead_lettered_at": letter.at,
                },
            )

    async def count_pending(self) -> int:
        t = self._table
        async with reading(self._engine) as conn:
            count = (
                await conn.execute(select(func.count()).where(t.c.replayed_at.is_(None)))
            ).scalar_one()
            await conn.rollback()
        return int(count)
