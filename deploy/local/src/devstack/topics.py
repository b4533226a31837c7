"""Topic creation is code: every topic of the contracts' catalogue, and its DLQs, with the
retention or compaction the catalogue gives each."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.topics import CATALOGUE, topic_config


def wanted_topics() -> dict[str, int]:
    topics: dict[str, int] = {}
    for topic in CATALOGUE:
        topics[topic.name] = max(3, topic.partitions)
        for consumer in topic.consumers:
            topics[topic.dlq(consumer)] = 3
    return topics


async def ensure_topics(bootstrap: str, security: dict[str, str] | None = None) -> list[str]:
    """Create the missing topics; return the names created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10000, **(security or {})
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, partitions, 1, topic_configs=topic_config(name))
            for name, partitions in wanted_topics().items()
            if name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
