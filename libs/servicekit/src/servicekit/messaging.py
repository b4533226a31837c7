"""Consuming events: a subscriber factory with at-least-once acks, retries and dead letters.

Every subscription of a worker is declared on one :class:`EventRouter`. For each message:
the CloudEvents envelope is read from the headers and the JSON data parsed; the handler runs,
retried with exponential back-off; past ``max_attempts`` (or at once for a message that cannot
be parsed) the message goes to ``<topic>.<consumer>.dlq`` with the error in its headers, and the
consumer moves on. The consumer's position is committed only after that, never before (FastStream's
``AckPolicy.MANUAL``: its auto-commit is not used); commits are grouped, at most one per
``commit_interval_s`` and one when the partition goes idle, since a commit is a broker round
trip. A crash before a commit redelivers messages, and the handler's inbox drops those that
were done. If even the dead-letter publish fails, the partition is rewound to the message.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, Union

from contracts.base import EventPayload
from contracts.envelope import HEADER_TYPE, Envelope
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage as InjectedMessage
from faststream.kafka.message import KafkaMessage
from opentelemetry import trace
from pydantic import ValidationError

from servicekit.context import current_correlation_id, current_event_id
from servicekit.logging import get_logger
from servicekit.metrics import CONSUMER_HANDLED, CONSUMER_LAG, CONSUMER_LATENCY, DLQ_MESSAGES
from servicekit.tracing import context_from_headers, tracer

_log = get_logger(__name__)
P = TypeVar("P", bound=EventPayload)


class Record(Protocol):
    """What we read of an aiokafka ``ConsumerRecord``."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class PoisonMessage(Exception):
    """A message that can never be processed: sent to the DLQ without retries."""


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    envelope: Envelope
    data: dict[str, Any]
    topic: str
    partition: int
    offset: int

    def payload(self, cls: type[P]) -> P:
        """The data as a contract model; a mismatch is a poison message."""
        try:
            return cls.model_validate(self.data)
        except ValidationError as exc:
            raise PoisonMessage(f"payload does not match {cls.__name__}: {exc}") from exc


Handler = Callable[[IncomingEvent], Awaitable[None]]
BatchHandler = Callable[[Sequence[IncomingEvent]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1)))


@dataclass(slots=True)
class Subscription:
    """``batch_handler``, when given, takes the consecutive events of one fetch in one
    transaction (all or nothing); should it fail, each event goes through ``handler`` with
    its retries and dead letter, so a bad event never holds the others back."""

    topic: str
    purpose: str
    handler: Handler
    event_types: Collection[str] | None = None
    batch_handler: BatchHandler | None = None


def make_broker(bootstrap_servers: str, client_id: str) -> KafkaBroker:
    """The worker's broker; its own publishes (dead letters) are idempotent with acks=all."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=None,
    )


def _headers(record: Record) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in record.headers or ():
        out[name] = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return out


@dataclass
class EventRouter:
    """Every subscription of one consumer (a service's worker), in one place."""

    service: str
    consumer: str
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    subscriptions: list[Subscription] = field(default_factory=list)
    commit_interval_s: float = 0.2
    batch_size: int = 100
    committers: list[OffsetCommitter] = field(default_factory=list)
    publications: list[tuple[str, tuple[type[EventPayload], ...]]] = field(default_factory=list)

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
    ) -> None:
        self.subscriptions.append(Subscription(topic, purpose, handler, event_types, batch_handler))

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

    async def flush(self) -> None:
        """Commit what was processed; called before the broker stops."""
        for committer in self.committers:
            await committer.flush()

    def dlq_topic(self, topic: str) -> str:
        return f"{topic}.{self.consumer}.dlq"

    def _attach_group(
        self, broker: KafkaBroker, purpose: str, by_topic: dict[str, Subscription]
    ) -> None:
        topics = sorted(by_topic)
        subscriber = broker.subscriber(
            *topics,
            batch=True,
            max_records=self.batch_size,
            batch_timeout_ms=50,
            group_id=f"{self.consumer}.{purpose}",
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            decoder=_raw_body,
            title=f"{self.consumer}.{purpose}",
            description=f"{self.consumer} consumes {', '.join(topics)}",
        )

        committer = OffsetCommitter(self.commit_interval_s)
        self.committers.append(committer)

        async def consume(body: Any, msg: InjectedMessage) -> None:
            records = msg.raw_message
            try:
                await self.process_all(
                    broker, by_topic, records if isinstance(records, tuple) else (records,)
                )
            except BaseException:
                await msg.nack()
                raise
            await committer.processed(msg)

        consume.__name__ = f"on_{purpose.replace('-', '_')}"
        subscriber(consume)

    async def process_all(
        self, broker: KafkaBroker, by_topic: dict[str, Subscription], records: Sequence[Record]
    ) -> None:
        """Handle the records of one fetch in order: runs of one topic whose subscription has
        a batch handler go together, every other record alone."""
        start = 0
        while start < len(records):
            sub = by_topic[records[start].topic]
            end = start + 1
            if sub.batch_handler is not None:
                while end < len(records) and records[end].topic == sub.topic:
                    end += 1
            if end - start > 1:
                await self._process_run(broker, sub, records[start:end])
            else:
                await self.process(broker, sub, records[start])
            start = end

    async def _process_run(
        self, broker: KafkaBroker, sub: Subscription, records: Sequence[Record]
    ) -> None:
        assert sub.batch_handler is not None
        events: list[IncomingEvent] = []
        links: list[trace.Link] = []
        for record in records:
            headers = _headers(record)
            if _not_wanted(sub, headers):
                continue
            try:
                event = _parse(
                    record.value or b"", headers, record.topic, record.partition, record.offset
                )
            except PoisonMessage:
                break  # the one-by-one path sends it to the dead letters
            events.append(event)
            origin = trace.get_current_span(context_from_headers(headers)).get_span_context()
            if origin.is_valid:
                links.append(trace.Link(origin))
        else:
            started = time.perf_counter()
            try:
                with tracer("servicekit.consumer").start_as_current_span(
                    f"{sub.topic} process batch",
                    kind=trace.SpanKind.CONSUMER,
                    attributes={"messaging.batch.message_count": len(events)},
                    links=links,
                ):
                    if events:
                        await sub.batch_handler(events)
            except Exception as exc:
                _log.warning(
                    "consumer_batch_failed",
                    topic=sub.topic,
                    size=len(records),
                    error=repr(exc)[:500],
                )
            else:
                self._count_batch(sub, records, events, time.perf_counter() - started)
                return
        for record in records:
            await self.process(broker, sub, record)

    def _count_batch(
        self,
        sub: Subscription,
        records: Sequence[Record],
        events: Sequence[IncomingEvent],
        elapsed_s: float,
    ) -> None:
        now = datetime.now(UTC)
        for event in events:
            lag = (now - event.envelope.time).total_seconds()
            CONSUMER_LAG.labels(self.service, self.consumer, sub.topic).observe(max(lag, 0.0))
            CONSUMER_LATENCY.labels(self.service, self.consumer, sub.topic).observe(
                elapsed_s / len(events)
            )
        handled = CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, "ok")
        handled.inc(len(events))
        ignored = len(records) - len(events)
        if ignored:
            CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, "ignored").inc(ignored)

    async def process(self, broker: KafkaBroker, sub: Subscription, record: Record) -> None:
        """Handle one record; only a failure to dead-letter it escapes."""
        headers = _headers(record)
        if _not_wanted(sub, headers):
            CONSUMER_HANDLED.labels(self.service, self.consumer, record.topic, "ignored").inc()
            return
        body: bytes = record.value or b""
        started = time.perf_counter()
        try:
            event = _parse(body, headers, record.topic, record.partition, record.offset)
        except PoisonMessage as exc:
            await self._dead_letter(broker, sub, record, headers, exc, attempts=1)
            return
        token_event = current_event_id.set(event.envelope.id)
        token_corr = current_correlation_id.set(event.envelope.correlation_id)
        lag = (datetime.now(UTC) - event.envelope.time).total_seconds()
        CONSUMER_LAG.labels(self.service, self.consumer, record.topic).observe(max(lag, 0.0))
        try:
            with tracer("servicekit.consumer").start_as_current_span(
                f"{record.topic} process",
                context=context_from_headers(headers),
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.message.id": event.envelope.id,
                    "ce.type": event.envelope.type,
                },
            ):
                await self._handle_with_retries(broker, sub, record, headers, event)
        finally:
            current_event_id.reset(token_event)
            current_correlation_id.reset(token_corr)
            CONSUMER_LATENCY.labels(self.service, self.consumer, record.topic).observe(
                time.perf_counter() - started
            )

    async def _handle_with_retries(
        self,
        broker: KafkaBroker,
        sub: Subscription,
        record: Record,
        headers: dict[str, str],
        event: IncomingEvent,
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await sub.handler(event)
            except PoisonMessage as exc:
                await self._dead_letter(broker, sub, record, headers, exc, attempts=attempt)
                return
            except Exception as exc:
                if attempt >= self.retry.max_attempts:
                    await self._dead_letter(broker, sub, record, headers, exc, attempt)
                    return
                _log.warning(
                    "consumer_handler_failed",
                    topic=event.topic,
                    attempt=attempt,
                    error=repr(exc),
                )
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            CONSUMER_HANDLED.labels(self.service, self.consumer, event.topic, "ok").inc()
            return

    async def _dead_letter(
        self,
        broker: KafkaBroker,
        sub: Subscription,
        record: Record,
        headers: dict[str, str],
        exc: BaseException,
        attempts: int,
    ) -> None:
        raw = record
        dlq = self.dlq_topic(sub.topic)
        dlq_headers = dict(headers)
        dlq_headers.update(
            {
                "dlq_error": repr(exc)[:2000],
                "dlq_error_type": type(exc).__name__,
                "dlq_attempts": str(attempts),
                "dlq_consumer": self.consumer,
                "dlq_original_topic": raw.topic,
                "dlq_original_partition": str(raw.partition),
                "dlq_original_offset": str(raw.offset),
                "dlq_failed_at": datetime.now(UTC).isoformat(),
            }
        )
        await broker.publish(
            raw.value or b"",
            topic=dlq,
            key=raw.key,
            headers=dlq_headers,
        )
        DLQ_MESSAGES.labels(self.service, self.consumer).inc()
        CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, "dead_lettered").inc()
        _log.error(
            "consumer_message_dead_lettered",
            topic=sub.topic,
            dlq=dlq,
            attempts=attempts,
            error=repr(exc)[:500],
        )


class OffsetCommitter:
    """Commits the consumer's position after processed messages, at most every
    ``interval_s``, and once more when no message follows within the interval."""

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._last = 0.0
        self._pending: KafkaMessage | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def processed(self, msg: KafkaMessage) -> None:
        self._pending = msg
        if time.monotonic() - self._last >= self._interval_s:
            await self._commit()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._interval_s, self._flush)

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._commit()

    def _flush(self) -> None:
        self._timer = None
        if self._pending is not None:
            task = asyncio.create_task(self._commit())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _commit(self) -> None:
        msg, self._pending = self._pending, None
        self._last = time.monotonic()
        if msg is None:
            return
        try:
            await msg.ack()
        except Exception as exc:  # the next commit covers these offsets
            _log.warning("consumer_commit_failed", error=repr(exc))


def _not_wanted(sub: Subscription, headers: dict[str, str]) -> bool:
    """A type the subscription does not take, told by its header alone: the body and the
    envelope of the many events a consumer skips are never parsed. (Without the header the
    envelope cannot be read: the record is a poison message.)"""
    kind = headers.get(HEADER_TYPE)
    return sub.event_types is not None and kind is not None and kind not in sub.event_types


async def _raw_body(msg: Any) -> Any:
    """Keep the bodies as bytes: parsing is ours, so a malformed message reaches the DLQ."""
    return msg.body


def _parse(
    body: bytes, headers: dict[str, str], topic: str, partition: int, offset: int
) -> IncomingEvent:
    try:
        envelope = Envelope.from_headers(headers)
    except ValidationError as exc:
        raise PoisonMessage(f"invalid CloudEvents headers: {exc}") from exc
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"data is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PoisonMessage("data is not a JSON object")
    return IncomingEvent(envelope, data, topic, partition, offset)
