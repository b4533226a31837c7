"""The relay's promises: a row that can never be published is parked while its key waits and
every other key flows (real broker); on PostgreSQL two transactions writing one key are
published in their commit order; the messaging tables keep rows only as long as promised."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.identity.v1 import AccountRegisteredV1
from servicekit.clock import FakeClock
from servicekit.db import create_engine, session_factory
from servicekit.operations.retention import Retention
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from servicekit.tables import OUTBOX_PARKED, OUTBOX_PENDING, OUTBOX_PUBLISHED, messaging_tables
from servicekit.testing.polling import eventually
from servicekit.uow import SqlAlchemyUnitOfWork
from sqlalchemy import MetaData, insert, select, update

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


async def _setup(url: str) -> tuple[Any, Any]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return engine, tables


def _uow(engine: Any, tables: Any, clock: FakeClock) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(
        session_factory(engine),
        outbox_table=tables.outbox,
        inbox_table=tables.inbox,
        source="t",
        clock=clock,
    )


def _event(subject: str) -> AccountRegisteredV1:
    return AccountRegisteredV1(account_id=subject, kind="assure", registered_at=NOW)


async def _row(engine: Any, tables: Any, topic: str, key: str, payload: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(tables.outbox).values(
                event_id=str(uuid.uuid4()),
                topic=topic,
                key=key,
                event_type="identity.account.registered.v1",
                headers=json.dumps({"ce_id": str(uuid.uuid4())}),
                payload=payload,
                state=OUTBOX_PENDING,
                attempts=0,
                created_at=NOW,
            )
        )


@pytest.mark.kafka
async def test_a_row_that_can_never_be_published_is_parked_and_only_its_key_waits(
    database_url: str, kafka_bootstrap: str
) -> None:
    topic = f"tests.relay-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])

        async def known() -> bool:  # the broker's metadata has the new topic
            [described] = await admin.describe_topics([topic])
            return described["error_code"] == 0

        await eventually(known, timeout_s=30, message="the topic created")
    finally:
        await admin.close()
    engine, tables = await _setup(database_url)
    good = json.dumps({"n": "fine"})
    await _row(engine, tables, topic, "poisoned", "x" * 2_000_000)  # above the broker's limit
    await _row(engine, tables, topic, "poisoned", json.dumps({"n": "behind the poison"}))
    await _row(engine, tables, f"{topic}.missing", "elsewhere", good)  # no such topic
    await _row(engine, tables, topic, "other", good)
    relay = OutboxRelay(
        engine,
        tables.outbox,
        tables.lease,
        service="t",
        producer_factory=aiokafka_producer_factory(kafka_bootstrap, "t-relay"),
        clock=FakeClock(NOW),
        max_row_attempts=2,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
    )
    task = asyncio.create_task(relay.run())
    try:

        async def both_parked() -> bool:
            return await relay.parked() == 2

        await eventually(both_parked, timeout_s=60, message="two rows parked")
    finally:
        relay.stop()
        await task
    async with engine.connect() as conn:
        rows = {
            (r.topic, r.key, r.payload[:20]): (r.state, r.attempts, r.last_error)
            for r in (await conn.execute(select(tables.outbox))).all()
        }
    states = {k: v[0] for k, v in rows.items()}
    assert states == {
        (topic, "poisoned", "x" * 20): OUTBOX_PARKED,
        (topic, "poisoned", '{"n": "behind the po'): OUTBOX_PENDING,
        (f"{topic}.missing", "elsewhere", good[:20]): OUTBOX_PARKED,
        (topic, "other", good[:20]): OUTBOX_PUBLISHED,
    }
    assert "MessageSizeTooLarge" in rows[(topic, "poisoned", "x" * 20)][2]
    assert "does not exist" in rows[(f"{topic}.missing", "elsewhere", good[:20])][2]
    # an operator retries the parked row of the key after repairing it: both go, in order
    async with engine.begin() as conn:
        await conn.execute(
            update(tables.outbox)
            .where(tables.outbox.c.key == "poisoned", tables.outbox.c.state == OUTBOX_PARKED)
            .values(state=OUTBOX_PENDING, attempts=0, payload=json.dumps({"n": "repaired"}))
        )
    assert await relay.publish_once() == 2
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        got: list[str] = []
        while len(got) < 3:
            batch = await consumer.getmany(timeout_ms=5000)
            assert batch, got
            got += [json.loads(r.value)["n"] for part in batch.values() for r in part]
    finally:
        await consumer.stop()
    assert got == ["fine", "repaired", "behind the poison"]
    await engine.dispose()


@pytest.mark.postgres
async def test_two_transactions_on_one_key_are_published_in_their_commit_order(
    postgres_database_url: str,
) -> None:
    clock = FakeClock(NOW)
    engine, tables = await _setup(postgres_database_url)
    sent: list[str] = []

    class Recording:
        async def start(self) -> None: ...
        async def stop(self) -> None: ...
        async def topic_exists(self, topic: str) -> bool:
            return True

        async def send(self, topic: str, value: bytes | None = None, **_: Any) -> Any:
            assert value is not None
            sent.append(json.loads(value)["account_id"])
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            future.set_result(None)
            return future

    relay = OutboxRelay(
        engine, tables.outbox, tables.lease, service="t", producer_factory=Recording, clock=clock
    )
    first = _uow(engine, tables, clock)
    second = _uow(engine, tables, clock)
    async with first:
        await first.outbox.add(_event("first"), subject="same-key")
        await first.outbox.flush()  # the first transaction has its row (and its id) …
        async with second:
            await second.outbox.add(_event("second"), subject="same-key")
            committing = asyncio.create_task(second.commit())
            with pytest.raises(TimeoutError):  # … the second waits for it to end
                await asyncio.wait_for(asyncio.shield(committing), timeout=1.0)
            assert await relay.publish_once() == 0
            await first.commit()
            await committing
    assert await relay.publish_once() == 2
    assert sent == ["first", "second"]
    await engine.dispose()


async def test_retention_deletes_only_what_is_past_its_window(database_url: str) -> None:
    clock = FakeClock(NOW)
    engine, tables = await _setup(database_url)
    o, i = tables.outbox, tables.inbox
    async with engine.begin() as conn:
        for n, (state, published) in enumerate(
            [
                (OUTBOX_PUBLISHED, NOW - timedelta(days=8)),
                (OUTBOX_PUBLISHED, NOW - timedelta(days=6)),
                (OUTBOX_PENDING, None),
                (OUTBOX_PARKED, None),
            ]
        ):
            await conn.execute(
                insert(o).values(
                    event_id=f"e{n}", topic="t", key="k", event_type="x.y.z.v1", headers="{}",
                    payload="{}", state=state, attempts=0, created_at=NOW - timedelta(days=9),
                    published_at=published,
                )
            )  # fmt: skip
        for n, days in enumerate((31, 29)):
            await conn.execute(
                insert(i).values(
                    consumer="c", event_id=f"i{n}", event_type="x.y.z.v1",
                    processed_at=NOW - timedelta(days=days),
                )
            )  # fmt: skip
    deleted = await Retention(engine, tables, clock, outbox_days=7, inbox_days=30).purge()
    assert deleted == 2
    async with engine.connect() as conn:
        kept = (await conn.execute(select(o.c.event_id).order_by(o.c.event_id))).scalars().all()
        inbox = (await conn.execute(select(i.c.event_id))).scalars().all()
    assert kept == ["e1", "e2", "e3"]
    assert inbox == ["i1"]
    await engine.dispose()
