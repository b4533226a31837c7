"""Every subscription of a worker in one place: :class:`EventRouter`.

One Kafka consumer per *purpose* (consumer group ``<consumer>.<purpose>``), subscribed to all
its topics, with FastStream's ``AckPolicy.MANUAL``: its auto-commit is never used, and offsets
are committed by :class:`~servicekit.messaging.partitions.PartitionTracker` after the effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from contracts.base import EventPayload
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage as InjectedMessage

from servicekit.messaging.consumer import GroupConsumer
from servicekit.messaging.deadletters import DeadLetter, DeadLetterStore, MemoryDeadLetterStore
from servicekit.messaging.events import IncomingEvent
from servicekit.messaging.partitions import PartitionTracker
from servicekit.messaging.retry import RetryPolicy

Handler = Callable[[IncomingEvent], Awaitable[None]]
BatchHandler = Callable[[Sequence[IncomingEvent]], Awaitable[None]]
DeadLetterHook = Callable[[DeadLetter], Awaitable[None]]


@dataclass(slots=True)
class Subscription:
    """``batch_handler``, when given, takes the consecutive events of one fetch in one
    transaction (all or nothing); should it fail, each event goes through ``handler`` with
    its retries and dead letter, so a bad event never holds the others back.
    ``on_dead_letter``, when given, runs before a message of this subscription is given up
    (a read model fails closed there: see :mod:`delegation`)."""

    topic: str
    purpose: str
    handler: Handler
    event_types: Collection[str] | None = None
    batch_handler: BatchHandler | None = None
    on_dead_letter: DeadLetterHook | None = None


class Gate:
    """Stops the handling at shutdown: no new fetch is taken, the one in hand stops at the
    next record, and :meth:`drained` waits for it."""

    def __init__(self) -> None:
        self.stopping = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    async def drained(self, timeout_s: float) -> bool:
        self.stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


def make_broker(bootstrap_servers: str, client_id: str, **security: Any) -> KafkaBroker:
    """The worker's broker; its own publishes (dead letters) are idempotent with acks=all."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=None,
        **security,
    )


@dataclass
class EventRouter:
    """Every subscription of one consumer (a service's worker), in one place."""

    service: str
    consumer: str
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    subscriptions: list[Subscription] = field(default_factory=list)
    commit_interval_s: float = 0.2
    batch_size: int = 100
    dead_letters: DeadLetterStore = field(default_factory=MemoryDeadLetterStore)
    groups: list[GroupConsumer] = field(default_factory=list)
    publications: list[tuple[str, tuple[type[EventPayload], ...]]] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)
    wait_ms: int = 1000
    """How long a consumer waits on the broker for records before looking again (records
    that arrive meanwhile are handed over at once: it only bounds an idle consumer's wake-ups)."""

    def publishes(self, topic: str, *payloads: type[EventPayload]) -> None:
        """Document what the service's outbox publishes (AsyncAPI); the relay sends it."""
        self.publications.append((topic, payloads))

    def on(
        self,
        topic: str,
        handler: Handler,
        *,
        purpose: str,
        event_types: Collection[str] | None = None,
        batch_handler: BatchHandler | None = None,
        on_dead_letter: DeadLetterHook | None = None,
    ) -> None:
        self.subscriptions.append(
            Subscription(topic, purpose, handler, event_types, batch_handler, on_dead_letter)
        )

    def group_id(self, purpose: str) -> str:
        return f"{self.consumer}.{purpose}"

    def dlq_topic(self, topic: str) -> str:
        return f"{topic}.{self.consumer}.dlq"

    def topics(self) -> list[str]:
        return sorted({s.topic for s in self.subscriptions})

    def attach(self, broker: KafkaBroker) -> None:
        """One Kafka consumer per purpose (consumer group), subscribed to all its topics: fewer
        group members, fewer rebalances."""
        groups: dict[str, dict[str, Subscription]] = {}
        for sub in self.subscriptions:
            by_topic = groups.setdefault(sub.purpose, {})
            if sub.topic in by_topic:
                raise ValueError(f"{sub.topic} is subscribed twice for {sub.purpose}")
            by_topic[sub.topic] = sub
        for purpose, by_topic in groups.items():
            self._attach_group(broker, purpose, by_topic)
        for topic, payloads in self.publications:
            types = ", ".join(p.event_type for p in payloads)
            broker.publisher(
                topic,
                title=f"{topic}:publish",
                description=f"Published by {self.service} through its outbox: {types}",
                schema=payloads[0] if len(payloads) == 1 else Union[payloads],  # noqa: UP007
            )

    async def drain(self, timeout_s: float = 20.0) -> None:
        """Stop taking records, let the fetch in hand finish, commit what is done; called
        before the broker stops."""
        await self.gate.drained(timeout_s)
        for group in self.groups:
            await group.tracker.flush()

    async def flush(self) -> None:
        """Commit what is done (kept for callers that only flush)."""
        for group in self.groups:
            await group.tracker.flush()

    def _attach_group(
        self, broker: KafkaBroker, purpose: str, by_topic: dict[str, Subscription]
    ) -> None:
        topics = sorted(by_topic)
        group_id = self.group_id(purpose)
        tracker = PartitionTracker(self.service, group_id, self.commit_interval_s)
        group = GroupConsumer(
            service=self.service,
            consumer=self.consumer,
            group=group_id,
            by_topic=by_topic,
            retry=self.retry,
            broker=broker,
            dead_letters=self.dead_letters,
            tracker=tracker,
            gate=self.gate,
        )
        self.groups.append(group)
        subscriber = broker.subscriber(
            *topics,
            batch=True,
            max_records=self.batch_size,
            batch_timeout_ms=50,
            # the broker holds an empty fetch as long as we wait on it (and answers one the
            # moment a record comes): an idle group asks once a wait, not twice
            fetch_max_wait_ms=self.wait_ms,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            decoder=_raw_body,
            listener=tracker,
            title=group_id,
            description=f"{self.consumer} consumes {', '.join(topics)}",
        )

        async def consume(body: Any, msg: InjectedMessage) -> None:
            records = msg.raw_message
            await group.consume(
                records if isinstance(records, tuple) else (records,),
                msg.consumer,
            )

        consume.__name__ = f"on_{purpose.replace('-', '_')}"
        subscriber(consume)
        _long_poll(subscriber, self.wait_ms, self.batch_size)


def _long_poll(subscriber: Any, wait_ms: int, max_records: int) -> None:
    """faststream's batch subscriber waits ``batch_timeout_ms`` for records and, when none
    came, sleeps as long again — a record arriving then waits, and an idle consumer wakes
    twenty times a second. Ours waits up to ``wait_ms`` on the consumer, which hands over
    records the moment they arrive, and looks again at once; only an answer that came back
    empty without waiting (a consumer between assignments) pauses, so it never spins."""

    async def get_msg(consumer: Any) -> tuple[Any, ...]:
        started = time.monotonic()
        batches = await consumer.getmany(timeout_ms=wait_ms, max_records=max_records)
        if not batches:
            if time.monotonic() - started < _NO_WAIT_S:
                await asyncio.sleep(_PAUSE_S)
            return ()
        return tuple(itertools.chain.from_iterable(batches.values()))

    subscriber.get_msg = get_msg


_NO_WAIT_S = 0.01
_PAUSE_S = 0.05


async def _raw_body(msg: Any) -> Any:
    """Keep the bodies as bytes: parsing is ours, so a malformed message reaches the DLQ."""
    return msg.body
