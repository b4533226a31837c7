"""Talking to the broker from tests as another service or an operator would."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from contracts.base import EventPayload
from contracts.envelope import Envelope


async def publish(bootstrap: str, payload: EventPayload, subject: str, source: str) -> str:
    """Publish one event in CloudEvents binary mode; return its id."""
    [event_id] = await publish_many(bootstrap, [(payload, subject)], source)
    return event_id


async def publish_many(
    bootstrap: str, events: list[tuple[EventPayload, str]], source: str
) -> list[str]:
    """Publish ``(payload, subject)`` events, keyed by their subject, with one idempotent
    producer; return their ids once the broker has them all."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    ids: list[str] = []
    try:
        sent = []
        for payload, subject in events:
            envelope = Envelope(
                id=str(uuid.uuid4()),
                type=payload.event_type,
                source=source,
                time=datetime.now(UTC),
                subject=subject,
            )
            ids.append(envelope.id)
            sent.append(
                await producer.send(
                    payload.topic,
                    payload.model_dump_json().encode(),
                    key=subject.encode(),
                    headers=envelope.to_headers(),
                )
            )
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return ids


async def rewind_group(bootstrap: str, group_id: str, topics: list[str]) -> None:
    """Move a (stopped) consumer group back to the beginning of its topics."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(
                consumer.partitions_for_topic(topic) or await _partitions(consumer, topic)
            )
        ]
        if not partitions:  # a group whose topics hold no partition yet: nothing to rewind
            return
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def group_caught_up(bootstrap: str, group_id: str, topics: list[str]) -> bool:
    """Has the group committed the end offset of every partition of its topics?"""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group_id)
        partitions = [TopicPartition(t, p) for t in topics for p in await _partitions(consumer, t)]
        ends = await consumer.end_offsets(partitions)
        return all(
            (committed.get(tp).offset if committed.get(tp) else 0) >= end
            for tp, end in ends.items()
        )
    finally:
        await consumer.stop()
        await admin.close()


async def read_topic(bootstrap: str, topic: str) -> list[tuple[str, dict[str, object]]]:
    """Every event on ``topic`` so far, as (CloudEvents type, payload), without a group."""
    import json

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[str, dict[str, object]]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    found.append((headers.get("ce_type", ""), json.loads(record.value)))
        return found
    finally:
        await consumer.stop()
