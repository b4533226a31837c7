"""The consumer's promises on the real broker: offsets committed only for records whose effect
is done, transient failures retried without the dead letters and without holding the other
partitions, a dead letter published once however often its record comes back, unknown event
types skipped and counted."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.envelope import Envelope
from prometheus_client import REGISTRY
from servicekit.errors import TransientError
from servicekit.messaging import (
    EventRouter,
    IncomingEvent,
    MemoryDeadLetterStore,
    RetryPolicy,
    make_broker,
)
from servicekit.testing.polling import eventually

pytestmark = pytest.mark.kafka

KIND = "tests.thing.happened.v1"


def _headers(event_id: str, kind: str = KIND) -> list[tuple[str, bytes]]:
    return Envelope(
        id=event_id, type=kind, source="tests", time=datetime.now(UTC), subject="k"
    ).to_headers()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"tests.guarantee-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 2, 1), NewTopic(f"{name}.tests.dlq", 1, 1)])
        yield name
    finally:
        await admin.close()


async def _produce(
    bootstrap: str, topic: str, items: list[tuple[int, str, dict[str, Any]]]
) -> None:
    """``(partition, event id, data)`` in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for partition, event_id, data in items:
            await producer.send_and_wait(
                topic,
                json.dumps(data).encode(),
                key=b"k",
                partition=partition,
                headers=_headers(event_id, data.get("kind", KIND)),
            )
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str, partition: int) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    meta = offsets.get(TopicPartition(topic, partition))
    return None if meta is None or meta.offset < 0 else meta.offset


async def _rewind(bootstrap: str, group: str, topic: str, partitions: int) -> None:
    """What a crash before the offset commit leaves: the group back at offset 0."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.commit(dict.fromkeys(tps, 0))
    finally:
        await consumer.stop()


def _router(batch_size: int = 100, **retry: Any) -> EventRouter:
    return EventRouter(
        service="tests",
        consumer="tests",
        retry=RetryPolicy(
            **{"max_attempts": 3, "backoff_initial_s": 0.05, "backoff_max_s": 0.2, **retry}
        ),
        batch_size=batch_size,
        commit_interval_s=0.0,
        dead_letters=MemoryDeadLetterStore(),
    )


async def test_offsets_are_committed_only_for_records_whose_effect_is_done(
    kafka_bootstrap: str, topic: str
) -> None:
    await _produce(kafka_bootstrap, topic, [(0, f"e{i}", {"n": i}) for i in range(10)])
    done: list[int] = []
    release = asyncio.Event()
    in_second_batch = asyncio.Event()

    async def handler(event: IncomingEvent) -> None:
        n = event.data["n"]
        if n == 5:
            in_second_batch.set()
            await release.wait()  # the second fetch's handling takes its time
        done.append(n)

    router = _router(batch_size=5)
    router.on(topic, handler, purpose="offsets")
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    group = router.group_id("offsets")
    await broker.start()
    try:

        async def second_fetch_in_hand() -> bool:
            return in_second_batch.is_set()

        await eventually(second_fetch_in_hand, timeout_s=30, message="the second fetch")

        # A commit while record 5 is being handled (the grouped commit's timer, or the
        # shutdown's flush) commits what is done — records 0 to 4 — never the consumer's
        # position after its fetches (up to 10).
        await router.flush()
        assert done == [0, 1, 2, 3, 4]
        assert await _committed(kafka_bootstrap, group, topic, 0) == 5
        release.set()

        async def all_committed() -> bool:
            return await _committed(kafka_bootstrap, group, topic, 0) == 10

        await eventually(all_committed, timeout_s=30, message="offset 10 committed")
    finally:
        release.set()
        await router.drain(5)
        await broker.stop()
    assert done == list(range(10))


async def test_a_transient_failure_waits_without_dead_letter_and_other_partitions_go_on(
    kafka_bootstrap: str, topic: str
) -> None:
    await _produce(
        kafka_bootstrap,
        topic,
        [(0, "a", {"n": "a"}), (0, "a-next", {"n": "a-next"})]
        + [(1, f"b{i}", {"n": f"b{i}"}) for i in range(3)],
    )
    attempts: dict[str, int] = {}
    order: list[str] = []

    async def handler(event: IncomingEvent) -> None:
        n = event.data["n"]
        attempts[n] = attempts.get(n, 0) + 1
        if n == "a" and attempts[n] <= 6:  # twice the permanent-error limit
            raise TransientError("the database is unavailable")
        order.append(n)

    router = _router()
    router.on(topic, handler, purpose="transient")
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def all_done() -> bool:
            return len(order) == 5

        await eventually(all_done, timeout_s=60, message="every record handled")
    finally:
        await router.drain(5)
        await broker.stop()
    assert attempts["a"] == 7
    assert router.dead_letters.letters == []  # type: ignore[attr-defined]
    # partition 1 did not wait for partition 0; on partition 0 the order held
    assert order.index("b2") < order.index("a")
    assert order.index("a") < order.index("a-next")


async def test_a_dead_letter_is_published_once_when_its_record_comes_back(
    kafka_bootstrap: str, topic: str
) -> None:
    await _produce(kafka_bootstrap, topic, [(0, "bad", {"n": "bad"}), (0, "ok", {"n": "ok"})])
    seen: list[str] = []
    store = MemoryDeadLetterStore()

    async def handler(event: IncomingEvent) -> None:
        seen.append(event.data["n"])
        if event.data["n"] == "bad":
            raise ValueError("never valid")

    for _ in range(2):  # the second run is the redelivery after a crash before the commit
        router = _router(max_attempts=2)
        router.dead_letters = store
        router.on(topic, handler, purpose="dead-once")
        broker = make_broker(kafka_bootstrap, "tests")
        router.attach(broker)
        group = router.group_id("dead-once")
        await broker.start()
        try:

            async def ok_seen() -> bool:
                return "ok" in seen

            await eventually(ok_seen, timeout_s=30, message="the good record handled")
        finally:
            await router.drain(5)
            await broker.stop()
        await _rewind(kafka_bootstrap, group, topic, 2)
        seen.clear()
    assert len(store.letters) == 1
    consumer = AIOKafkaConsumer(
        f"{topic}.tests.dlq", bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(f"{topic}.tests.dlq", 0)])
    finally:
        await consumer.stop()
    assert sum(ends.values()) == 1


async def test_an_unknown_event_type_is_skipped_counted_and_the_next_one_handled(
    kafka_bootstrap: str, topic: str
) -> None:
    unknown = "tests.thing.happened.v9"
    await _produce(
        kafka_bootstrap,
        topic,
        [(0, "v9", {"n": "future", "kind": unknown}), (0, "v1", {"n": "today"})],
    )
    handled: list[str] = []

    async def handler(event: IncomingEvent) -> None:
        handled.append(event.data["n"])

    router = _router()
    router.on(topic, handler, purpose="unknown", event_types={KIND})
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def today_handled() -> bool:
            return handled == ["today"]

        await eventually(today_handled, timeout_s=30, message="the known type handled")
    finally:
        await router.drain(5)
        await broker.stop()
    counted = REGISTRY.get_sample_value(
        "consumer_unknown_event_types_total",
        {"service": "tests", "group": "tests.unknown", "topic": topic, "event_type": unknown},
    )
    assert counted == 1.0
