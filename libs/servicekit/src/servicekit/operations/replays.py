"""Replaying dead letters: an operator asks (the api records the request), the worker carries
it out — the api never talks to Kafka.

Each dead letter of ``<topic>.<consumer>.dlq`` goes back to its original topic with its
original headers (``ce_id`` included), without the ``dlq_*`` ones and with ``replayed_from``.
Every consumer of the topic sees it again; those that had processed it drop it through their
inbox, the one that gave it up handles it (its dead-letter record names the old offset, the
replay has a new one). The replayer reads the DLQ as the group ``<consumer>.dlq-replay`` and
commits what it moved, so a message is replayed once however many requests follow; the
moved letters are marked replayed in the ``dead_letters`` table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.clock import Clock
from servicekit.db import as_utc, reading
from servicekit.errors import describe
from servicekit.messaging.events import REPLAYED_FROM

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass
class DlqReplay:
    id: str
    topic: str
    dlq: str
    limit: int
    requested_by: str
    requested_at: datetime
    state: str = PENDING
    replayed: int = 0
    finished_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class MovedLetter:
    group: str
    topic: str
    partition: int
    offset: int


class ReplayStore:
    def __init__(self, engine: AsyncEngine, replays: Table, dead_letters: Table) -> None:
        self._engine = engine
        self._replays = replays
        self._dead_letters = dead_letters

    async def request(
        self, topic: str, dlq: str, limit: int, operator: str, now: datetime
    ) -> DlqReplay:
        replay = DlqReplay(str(uuid.uuid4()), topic, dlq, limit, operator, now)
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(self._replays).values(
                    id=replay.id,
                    topic=topic,
                    limit=limit,
                    requested_by=operator,
                    requested_at=now,
                    state=PENDING,
                    replayed=0,
                )
            )
        return replay

    async def get(self, replay_id: str, dlq_of: Any) -> DlqReplay | None:
        async with reading(self._engine) as conn:
            row = (
                await conn.execute(select(self._replays).where(self._replays.c.id == replay_id))
            ).first()
            await conn.rollback()
        return None if row is None else _replay(row, dlq_of(row.topic))

    async def next_pending(self, dlq_of: Any) -> DlqReplay | None:
        t = self._replays
        async with reading(self._engine) as conn:
            row = (
                await conn.execute(
                    select(t).where(t.c.state == PENDING).order_by(t.c.requested_at).limit(1)
                )
            ).first()
            await conn.rollback()
        return None if row is None else _replay(row, dlq_of(row.topic))

    async def finish(self, replay: DlqReplay, moved: list[MovedLetter], now: datetime) -> None:
        d = self._dead_letters
        async with self._engine.begin() as conn:
            await conn.execute(
                update(self._replays)
                .where(self._replays.c.id == replay.id)
                .values(
                    state=replay.state,
                    replayed=replay.replayed,
                    finished_at=now,
                    error=replay.error,
                )
            )
            for letter in moved:
                await conn.execute(
                    update(d)
                    .where(
                        d.c.consumer_group == letter.group,
                        d.c.topic == letter.topic,
                        d.c.partition == letter.partition,
                        d.c.offset == letter.offset,
                    )
                    .values(replayed_at=now)
                )


def _replay(row: Any, dlq: str) -> DlqReplay:
    return DlqReplay(
        id=row.id,
        topic=row.topic,
        dlq=dlq,
        limit=row.limit,
        requested_by=row.requested_by,
        requested_at=as_utc(row.requested_at),
        state=row.state,
        replayed=row.replayed,
        finished_at=as_utc(row.finished_at),
        error=row.error,
    )


class KafkaDlqReplayer:
    """Moves dead letters back to their topic with aiokafka."""

    def __init__(self, bootstrap_servers: str, group: str, **security: Any) -> None:
        self._bootstrap = bootstrap_servers
        self._group = group
        self._security = security

    async def replay(self, dlq: str, topic: str, limit: int) -> list[MovedLetter]:
        """Move at most ``limit`` dead letters back to ``topic``: only those in the DLQ when
        the replay begins — a replayed message that fails again comes back to the DLQ and
        waits for the next request, it is not replayed in a loop."""
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self._security,
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            enable_idempotence=True,
            acks="all",
            **self._security,
        )
        await consumer.start()
        await producer.start()
        moved: list[MovedLetter] = []
        try:
            partitions = consumer.partitions_for_topic(dlq)
            if not partitions:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(dlq) or set()
            tps = [TopicPartition(dlq, p) for p in sorted(partitions)]
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)  # the DLQ as it is now
            pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
            while pending and len(moved) < limit:
                batch = await consumer.getmany(*pending, timeout_ms=1000)
                done: dict[TopicPartition, int] = {}
                for tp, records in batch.items():
                    for record in records:
                        if record.offset >= ends[tp] or len(moved) >= limit:
                            pending.discard(tp)
                            break
                        original = dict(record.headers)
                        headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                        headers.append((REPLAYED_FROM, dlq.encode()))
                        await producer.send_and_wait(
                            topic, record.value, key=record.key, headers=headers
                        )
                        moved.append(_moved(original, topic))
                        done[tp] = record.offset + 1
                if done:
                    await consumer.commit(done)
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
        finally:
            await producer.stop()
            await consumer.stop()
        return moved


def _moved(headers: dict[str, bytes], topic: str) -> MovedLetter:
    def text(name: str) -> str:
        return headers.get(name, b"").decode(errors="replace")

    return MovedLetter(
        group=text("dlq_group"),
        topic=text("dlq_original_topic") or topic,
        partition=int(text("dlq_original_partition") or -1),
        offset=int(text("dlq_original_offset") or -1),
    )


async def carry_out_next(
    store: ReplayStore, replayer: KafkaDlqReplayer, clock: Clock, dlq_of: Any
) -> int:
    """The worker's part: replay the oldest pending request and record the outcome."""
    replay = await store.next_pending(dlq_of)
    if replay is None:
        return 0
    moved: list[MovedLetter] = []
    try:
        moved = await replayer.replay(replay.dlq, replay.topic, replay.limit)
    except Exception as exc:  # recorded for the operator, who may ask again
        replay.state, replay.error = FAILED, describe(exc)
    else:
        replay.state, replay.replayed = DONE, len(moved)
    await store.finish(replay, moved, clock.now())
    return 1
