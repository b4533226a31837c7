"""The subscriber factory on the real broker: offsets committed after the effect, retries,
dead letters with the error in their headers, and the consumer going on."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.envelope import Envelope
from contracts.mandates.v1 import MandateKeyIssuedV1
from prometheus_client import REGISTRY
from servicekit.messaging import EventRouter, IncomingEvent, RetryPolicy, make_broker
from servicekit.testing.polling import eventually

pytestmark = pytest.mark.kafka
THING_HAPPENED = "tests.thing.happened.v1"


def _headers(event_id: str) -> list[tuple[str, bytes]]:
    return Envelope(
        id=event_id,
        type=THING_HAPPENED,
        source="tests",
        time=datetime.now(UTC),
        subject="k",
    ).to_headers()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"tests.thing-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1), NewTopic(f"{name}.tests.dlq", 3, 1)])
        yield name
    finally:
        await admin.close()


async def _produce(
    bootstrap: str, topic: str, items: list[tuple[bytes, list[tuple[str, bytes]]]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value, headers in items:
            await producer.send_and_wait(topic, value, key=b"k", headers=headers)
    finally:
        await producer.stop()


async def _read_all(bootstrap: str, topic: str, expected: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[Any] = []
    try:

        async def enough() -> bool:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
            return len(records) >= expected

        await eventually(enough, timeout_s=30, message=f"{expected} records on {topic}")
    finally:
        await consumer.stop()
    return records


async def test_a_malformed_message_goes_to_the_dlq_and_the_next_one_is_processed(
    kafka_bootstrap: str, topic: str
) -> None:
    handled: list[str] = []

    async def handler(event: IncomingEvent) -> None:
        handled.append(event.data["n"])

    router = EventRouter(service="tests", consumer="tests", retry=RetryPolicy(3, 0.01, 0.02))
    router.on(topic, handler, purpose="dlq-test")
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await _produce(
        kafka_bootstrap,
        topic,
        [
            (b"{not json", _headers("e1")),
            (json.dumps({"n": "second"}).encode(), _headers("e2")),
            (json.dumps({"n": "third"}).encode(), []),
        ],
    )
    await broker.start()
    try:

        async def second_handled() -> bool:
            return handled == ["second"]

        await eventually(second_handled, timeout_s=30, message="the valid event handled")
        dead = await _read_all(kafka_bootstrap, f"{topic}.tests.dlq", 2)
    finally:
        await broker.stop()
    by_value = {r.value: dict(r.headers) for r in dead}
    assert by_value[b"{not json"][b"dlq_error_type".decode()] == b"PoisonMessage"
    assert b"not JSON" in by_value[b"{not json"]["dlq_error"]
    assert by_value[json.dumps({"n": "third"}).encode()]["dlq_error_type"] == b"PoisonMessage"


async def test_a_failing_handler_is_retried_then_dead_lettered_and_offsets_move_on(
    kafka_bootstrap: str, topic: str
) -> None:
    attempts: dict[str, int] = {}

    async def handler(event: IncomingEvent) -> None:
        attempts[event.data["n"]] = attempts.get(event.data["n"], 0) + 1
        if event.data["n"] == "bad":
            raise RuntimeError("cannot handle this one")

    router = EventRouter(service="tests", consumer="tests", retry=RetryPolicy(3, 0.01, 0.02))
    router.on(topic, handler, purpose="retry-test")
    await _produce(
        kafka_bootstrap,
        topic,
        [
            (json.dumps({"n": "bad"}).encode(), _headers("b1")),
            (json.dumps({"n": "good"}).encode(), _headers("g1")),
        ],
    )
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def good_handled() -> bool:
            return attempts.get("good") == 1

        await eventually(good_handled, timeout_s=30, message="the good event handled")
    finally:
        await router.flush()
        await broker.stop()
    assert attempts["bad"] == 3
    [dead] = await _read_all(kafka_bootstrap, f"{topic}.tests.dlq", 1)
    headers = dict(dead.headers)
    assert headers["dlq_attempts"] == b"3"
    # the error's type and where it was raised, never its text (it may carry input values)
    assert headers["dlq_error"].startswith(b"RuntimeError at ")
    assert b"cannot handle this one" not in headers["dlq_error"]
    assert headers["ce_id"] == b"b1"

    # A second consumer of the same group starts after the committed offsets: nothing again.
    again: list[str] = []

    async def record(event: IncomingEvent) -> None:
        again.append(event.data["n"])

    second = EventRouter(service="tests", consumer="tests", retry=RetryPolicy(1, 0.01, 0.01))
    second.on(topic, record, purpose="retry-test")
    await _produce(kafka_bootstrap, topic, [(json.dumps({"n": "later"}).encode(), _headers("l1"))])
    broker2 = make_broker(kafka_bootstrap, "tests")
    second.attach(broker2)
    await broker2.start()
    try:

        async def later_handled() -> bool:
            return "later" in again

        await eventually(later_handled, timeout_s=30, message="the later event handled")
    finally:
        await broker2.stop()
    assert again == ["later"]


async def test_a_batch_handler_takes_a_fetch_and_when_it_fails_each_event_goes_alone(
    kafka_bootstrap: str, topic: str
) -> None:
    batches: list[list[str]] = []
    alone: dict[str, int] = {}

    async def one(event: IncomingEvent) -> None:
        alone[event.data["n"]] = alone.get(event.data["n"], 0) + 1
        if event.data["n"] == "bad":
            raise RuntimeError("cannot handle this one")

    async def many(events: Sequence[IncomingEvent]) -> None:
        batches.append([e.data["n"] for e in events])
        if any(e.data["n"] == "bad" for e in events):
            raise RuntimeError("the batch is refused whole")

    router = EventRouter(service="tests", consumer="tests", retry=RetryPolicy(2, 0.01, 0.02))
    router.on(topic, one, purpose="batch-test", batch_handler=many)
    await _produce(
        kafka_bootstrap,
        topic,
        [(json.dumps({"n": n}).encode(), _headers(f"id-{n}")) for n in ("g1", "bad", "g2")],
    )
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def all_seen() -> bool:
            return alone.get("g2") == 1

        await eventually(all_seen, timeout_s=30, message="the events handled one by one")
        [dead] = await _read_all(kafka_bootstrap, f"{topic}.tests.dlq", 1)
    finally:
        await router.flush()
        await broker.stop()
    assert batches[0] == ["g1", "bad", "g2"]  # one fetch, one call
    assert alone == {"g1": 1, "bad": 2, "g2": 1}
    assert dict(dead.headers)["ce_id"] == b"id-bad"


async def test_a_batch_that_succeeds_is_not_handled_again_one_by_one(
    kafka_bootstrap: str, topic: str
) -> None:
    batched: list[str] = []
    alone: list[str] = []

    async def one(event: IncomingEvent) -> None:
        alone.append(event.data["n"])

    async def many(events: Sequence[IncomingEvent]) -> None:
        batched.extend(e.data["n"] for e in events)

    router = EventRouter(service="tests", consumer="tests", retry=RetryPolicy(2, 0.01, 0.02))
    router.on(
        topic,
        one,
        purpose="batch-ok-test",
        batch_handler=many,
        event_types={"tests.thing.happened.v1"},
    )
    names = [f"e{i}" for i in range(20)]
    other_type = [(k, v.replace(b"thing.happened", b"other")) for k, v in _headers("x")]
    await _produce(
        kafka_bootstrap,
        topic,
        [(b"{not json, not wanted", other_type)]
        + [(json.dumps({"n": n}).encode(), _headers(f"id-{n}")) for n in names],
    )
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def all_handled() -> bool:
            return len(batched) + len(alone) >= len(names)

        await eventually(all_handled, timeout_s=30, message="every event handled")
    finally:
        await router.flush()
        await broker.stop()
    assert sorted(batched + alone) == sorted(names)  # each exactly once
    assert len(batched) > 1
    # the event of another type was skipped on its header: neither parsed nor dead-lettered
    assert await _count(kafka_bootstrap, f"{topic}.tests.dlq") == 0


async def test_records_of_a_type_not_taken_are_counted_once_and_committed(
    kafka_bootstrap: str, topic: str
) -> None:
    """A fetch of records whose (known) type the subscription does not take: each counted
    ``ignored`` once — not once by the run and again one by one — and their offsets
    committed with the wanted event's behind them."""
    not_taken = MandateKeyIssuedV1.event_type
    handled: list[str] = []

    async def one(event: IncomingEvent) -> None:
        handled.append(event.data["n"])

    async def many(events: Sequence[IncomingEvent]) -> None:
        handled.extend(e.data["n"] for e in events)

    router = EventRouter(service="tests", consumer="tests-ignoring")
    router.on(topic, one, purpose="ignore-test", batch_handler=many, event_types={THING_HAPPENED})

    def not_taken_headers(i: int) -> list[tuple[str, bytes]]:
        return [(k, not_taken.encode() if k == "ce_type" else v) for k, v in _headers(f"other-{i}")]

    await _produce(
        kafka_bootstrap,
        topic,
        [(b"{}", not_taken_headers(i)) for i in range(30)]
        + [(json.dumps({"n": "wanted"}).encode(), _headers("id-wanted"))],
    )
    labels = {
        "service": "tests",
        "consumer": "tests-ignoring",
        "topic": topic,
        "outcome": "ignored",
    }
    before = REGISTRY.get_sample_value("consumer_messages_total", labels) or 0.0
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:

        async def wanted_handled() -> bool:
            return handled == ["wanted"]

        await eventually(wanted_handled, timeout_s=30, message="the wanted event handled")
    finally:
        await router.drain(5)
        await broker.stop()
    assert (REGISTRY.get_sample_value("consumer_messages_total", labels) or 0.0) - before == 30
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(router.group_id("ignore-test"))
    finally:
        await admin.close()
    assert sum(meta.offset for meta in committed.values()) == 31


async def _count(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            partitions = [TopicPartition(topic, p) for p in range(3)]
        ends = await consumer.end_offsets(partitions)
        return sum(ends.values())
    finally:
        await consumer.stop()


async def test_an_idle_consumer_waiting_long_on_the_broker_hands_a_record_over_at_once(
    kafka_bootstrap: str, topic: str
) -> None:
    """A consumer that waits ten seconds on the broker between looks: a record produced while
    it waits is handled within a second (the wait bounds idle wake-ups, not latency)."""
    handled: list[float] = []

    async def handler(event: IncomingEvent) -> None:
        handled.append(time.monotonic())

    router = EventRouter(service="tests", consumer="tests", wait_ms=10_000)
    router.on(topic, handler, purpose="wait-test")
    broker = make_broker(kafka_bootstrap, "tests")
    router.attach(broker)
    await broker.start()
    try:
        await _produce(
            kafka_bootstrap, topic, [(json.dumps({"n": "first"}).encode(), _headers("w1"))]
        )

        async def first() -> bool:  # the group is joined and the consumer waits again
            return len(handled) == 1

        await eventually(first, timeout_s=60, message="the first record handled")
        produced = time.monotonic()
        await _produce(
            kafka_bootstrap, topic, [(json.dumps({"n": "next"}).encode(), _headers("w2"))]
        )

        async def second() -> bool:
            return len(handled) == 2

        await eventually(second, timeout_s=10, message="the record produced while it waited")
        assert handled[1] - produced < 1.0, f"handed over after {handled[1] - produced:.2f}s"
    finally:
        await broker.stop()
