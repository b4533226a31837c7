"""The relay's doorbell: a commit that wrote outbox rows wakes the relay holding the lease, so
the event is on Kafka at once although the relay's poll is a minute away; without a doorbell
to ring (or with a stale address) the poll still publishes it."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.identity.v1 import AccountRegisteredV1
from servicekit.clock import FakeClock
from servicekit.db import create_engine, session_factory
from servicekit.doorbell import RelayDoorbell, address_in
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from servicekit.tables import messaging_tables
from servicekit.testing.polling import eventually
from servicekit.uow import SqlAlchemyUnitOfWork
from sqlalchemy import MetaData, update

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
BOUND_S = 2.0
"""A committed event is on Kafka within this, with a relay whose poll is a minute away."""


class CountingRelay(OutboxRelay):
    """Counts its passes over the outbox, to know it has gone idle before the commit."""

    passes = 0

    async def publish_once(self) -> int:
        done = await super().publish_once()
        self.passes += 1
        return done


async def _tables(url: str) -> tuple[Any, Any]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return engine, tables


async def _commit_one(
    engine: Any,
    tables: Any,
    doorbell: RelayDoorbell | None,
    key: str,
    payload_class: type[AccountRegisteredV1] = AccountRegisteredV1,
) -> None:
    uow = SqlAlchemyUnitOfWork(
        session_factory(engine),
        outbox_table=tables.outbox,
        inbox_table=tables.inbox,
        source="t",
        clock=FakeClock(NOW),
        doorbell=doorbell,
    )
    async with uow:
        await uow.outbox.add(
            payload_class(account_id=key, kind="assure", registered_at=NOW), subject=key
        )
        await uow.commit()


async def _topic_ready(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])

        async def known() -> bool:
            [described] = await admin.describe_topics([topic])
            return described["error_code"] == 0

        await eventually(known, timeout_s=30, message="the topic created")
    finally:
        await admin.close()


def test_the_lease_holder_names_its_doorbell() -> None:
    assert address_in("vm:42:abcd@127.0.0.1:50123") == ("127.0.0.1", 50123)
    assert address_in("vm:42:abcd") is None
    assert address_in("vm:42:abcd@nowhere") is None


@pytest.mark.kafka
async def test_a_commit_rings_the_relay_and_the_event_is_on_kafka_within_the_bound(
    database_url: str, kafka_bootstrap: str
) -> None:
    engine, tables = await _tables(database_url)
    relay = CountingRelay(
        engine,
        tables.outbox,
        tables.lease,
        service="t",
        producer_factory=aiokafka_producer_factory(kafka_bootstrap, "t-doorbell"),
        clock=FakeClock(NOW),
        poll_interval_s=60.0,
        doorbell_host="127.0.0.1",
    )
    doorbell = RelayDoorbell(engine, tables.lease)
    # an event of a topic of its own, read there by a consumer of its own
    topic = f"tests.doorbell-{uuid.uuid4().hex[:8]}"
    probe = type("Probe", (AccountRegisteredV1,), {"topic": topic})
    await _topic_ready(kafka_bootstrap, topic)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, group_id=f"t-{uuid.uuid4().hex[:6]}"
    )
    await consumer.start()
    task = asyncio.create_task(relay.run())
    try:
        await consumer.seek_to_end()

        async def idle() -> bool:
            return relay.passes >= 1 and relay.lease.held

        await eventually(idle, timeout_s=30, message="the relay idle, its poll a minute away")
        assert address_in(relay.lease.holder) is not None
        key = f"k-{uuid.uuid4().hex[:8]}"
        started = time.monotonic()
        await _commit_one(engine, tables, doorbell, key, probe)
        seen: list[bytes] = []
        deadline = started + BOUND_S
        while key.encode() not in seen and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=100)
            seen += [m.key or b"" for msgs in batches.values() for m in msgs]
        elapsed = time.monotonic() - started
        assert key.encode() in seen, f"not on Kafka {elapsed:.2f}s after its commit"
        assert doorbell.rung == 1

        async def woken_pass_over() -> bool:  # it marks the row once Kafka has acknowledged it
            return relay.passes >= 2

        await eventually(woken_pass_over, timeout_s=BOUND_S, message="the woken pass")
        assert relay.passes == 2  # one pass woken by the ring, none by the poll
    finally:
        relay.stop()
        await task
        await consumer.stop()
        doorbell.close()
        await engine.dispose()


async def test_a_ring_to_a_stale_address_is_harmless_and_the_poll_still_publishes(
    database_url: str,
) -> None:
    engine, tables = await _tables(database_url)
    sent: list[str] = []

    class Producer:
        async def start(self) -> None: ...
        async def stop(self) -> None: ...
        async def topic_exists(self, topic: str) -> bool | None:
            return True

        async def send(
            self, topic: str, value: Any = None, key: Any = None, headers: Any = None
        ) -> Any:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            sent.append(key.decode())
            return done

    relay = CountingRelay(
        engine,
        tables.outbox,
        tables.lease,
        service="t",
        producer_factory=Producer,
        clock=FakeClock(NOW),
        poll_interval_s=0.2,
    )
    assert await relay.publish_once() == 0  # takes the lease, with no doorbell named
    async with engine.begin() as conn:  # a holder naming a doorbell nobody listens on
        await conn.execute(update(tables.lease).values(holder=f"{relay.lease.holder}@127.0.0.1:9"))
    doorbell = RelayDoorbell(engine, tables.lease)
    await _commit_one(engine, tables, doorbell, "late")  # the commit stands, rung or not
    relay.lease.holder = f"{relay.lease.holder}@127.0.0.1:9"
    task = asyncio.create_task(relay.run())
    try:

        async def published() -> bool:
            return sent == ["late"]

        await eventually(published, timeout_s=10, message="the row published by the poll")
    finally:
        relay.stop()
        await task
        doorbell.close()
        await engine.dispose()
