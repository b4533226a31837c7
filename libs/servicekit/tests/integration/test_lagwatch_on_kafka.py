"""The lag watch on the real broker: messages waiting on a partition the group has not yet
committed on are lag too, and a group that waits without committing raises its alert."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata
from servicekit.lagwatch import LagWatch, LagWatchSettings
from servicekit.testing.polling import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"tests.lag-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1)])
        yield name
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str, partitions: list[int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition in partitions:
            await producer.send_and_wait(topic, b"{}", partition=partition)
    finally:
        await producer.stop()


async def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


async def test_a_partition_never_committed_on_counts_its_waiting_messages_as_lag(
    kafka_bootstrap: str, topic: str
) -> None:
    group = f"tests.lag.{uuid.uuid4().hex[:8]}"
    await _produce(kafka_bootstrap, topic, [0])
    await _commit(kafka_bootstrap, group, {TopicPartition(topic, 0): 1})  # partition 0 read
    await _produce(kafka_bootstrap, topic, [1, 2, 2])  # where the group has not been yet
    watch = LagWatch(
        LagWatchSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            group_prefixes=group,
            alert_after_s=0.2,
            interval_s=0.1,
        )
    )

    await watch.observe()
    assert watch.groups[group].lag == 3

    async def firing() -> list[dict[str, object]]:
        await watch.observe()
        return watch.alerts()

    alerts = await eventually(firing, timeout_s=20, interval_s=0.1, message="the lag alert")
    assert [(a["group"], a["lag"]) for a in alerts] == [(group, 3)]

    await _commit(
        kafka_bootstrap, group, {TopicPartition(topic, 1): 1, TopicPartition(topic, 2): 2}
    )
    await watch.observe()
    assert watch.groups[group].lag == 0
    assert watch.alerts() == []
