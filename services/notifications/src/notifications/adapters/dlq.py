"""Replaying a dead-letter topic with aiokafka: each dead letter goes back to its original
topic with its original headers (``ce_id`` included) and without the ``dlq_*`` ones.

The replayer reads the DLQ as the consumer group ``notifications.dlq-replay`` and commits what
it moved, so a message is replayed once however many requests follow.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


class KafkaDlqReplayer:
    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers

    async def replay(self, dlq: str, topic: str, limit: int) -> int:
        consumer = AIOKafkaConsumer(
            dlq,
            bootstrap_servers=self._bootstrap,
            group_id="notifications.dlq-replay",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap, enable_idempotence=True, acks="all"
        )
        await consumer.start()
        await producer.start()
        moved = 0
        try:
            while moved < limit:
                batch = await consumer.getmany(timeout_ms=1000, max_records=limit - moved)
                if not batch:
                    break
                for records in batch.values():
                    for record in records:
                        headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                        headers.append(("replayed_from", dlq.encode()))
                        await producer.send_and_wait(
                            topic, record.value, key=record.key, headers=headers
                        )
                        moved += 1
                await consumer.commit()
        finally:
            await producer.stop()
            await consumer.stop()
        return moved
