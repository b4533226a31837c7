"""Consuming events: a subscriber factory with at-least-once acks, retries and dead letters.

Every subscription of a worker is declared on one :class:`EventRouter`. For each message:
the CloudEvents envelope is read from the headers and the JSON data parsed; the handler runs,
retried with exponential back-off; past ``max_attempts`` (or at once for a message that cannot
be parsed) the message goes to ``<topic>.<consumer>.dlq`` with the error in its headers, and the
consumer moves on. The offset is committed only after that (FastStream ``AckPolicy.ACK``);
a crash before it redelivers the message, and the handler's inbox drops it if it was done.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, Union

from contracts.base import EventPayload
from contracts.envelope import Envelope
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


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1)))


@dataclass(slots=True)
class Subscription:
    topic: str
    purpose: str
    handler: Handler
    event_types: Collection[str] | None = None


def make_broker(bootstrap_servers: str, client_id: str) -> KafkaBroker:
    """The worker's broker; its own publishes (dead letters) are idempotent with acks=all."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=None,
    )


def _headers(msg: KafkaMessage) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in msg.raw_message.headers or ():  # type: ignore[union-attr]
        out[name] = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return out


@dataclass
class EventRouter:
    """Every subscription of one consumer (a service's worker), in one place."""

    service: str
    consumer: str
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    subscriptions: list[Subscription] = field(default_factory=list)
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
    ) -> None:
        self.subscriptions.append(Subscription(topic, purpose, handler, event_types))

    def attach(self, broker: KafkaBroker) -> None:
        for sub in self.subscriptions:
            self._attach_one(broker, sub)
        for topic, payloads in self.publications:
            types = ", ".join(p.event_type for p in payloads)
            broker.publisher(
                topic,
                title=f"{topic}:publish",
                description=f"Published by {self.service} through its outbox: {types}",
                schema=payloads[0] if len(payloads) == 1 else Union[payloads],  # noqa: UP007
            )

    def dlq_topic(self, topic: str) -> str:
        return f"{topic}.{self.consumer}.dlq"

    def _attach_one(self, broker: KafkaBroker, sub: Subscription) -> None:
        subscriber = broker.subscriber(
            sub.topic,
            group_id=f"{self.consumer}.{sub.purpose}",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            decoder=_raw_body,
            title=f"{self.consumer}.{sub.purpose}",
            description=f"{self.consumer} consumes {sub.topic}",
        )

        async def consume(body: bytes, msg: InjectedMessage) -> None:
            await self.process(broker, sub, body, msg)

        consume.__name__ = f"on_{sub.topic.replace('.', '_')}"
        subscriber(consume)

    async def process(
        self, broker: KafkaBroker, sub: Subscription, body: bytes, msg: KafkaMessage
    ) -> None:
        headers = _headers(msg)
        raw = msg.raw_message
        topic, partition, offset = raw.topic, raw.partition, raw.offset  # type: ignore[union-attr]
        started = time.perf_counter()
        try:
            event = _parse(body, headers, topic, partition, offset)
        except PoisonMessage as exc:
            await self._dead_letter(broker, sub, body, headers, msg, exc, attempts=1)
            return
        if sub.event_types is not None and event.envelope.type not in sub.event_types:
            CONSUMER_HANDLED.labels(self.service, self.consumer, topic, "ignored").inc()
            return
        token_event = current_event_id.set(event.envelope.id)
        token_corr = current_correlation_id.set(event.envelope.correlation_id)
        lag = (datetime.now(UTC) - event.envelope.time).total_seconds()
        CONSUMER_LAG.labels(self.service, self.consumer, topic).observe(max(lag, 0.0))
        try:
            with tracer("servicekit.consumer").start_as_current_span(
                f"{topic} process",
                context=context_from_headers(headers),
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.message.id": event.envelope.id,
                    "ce.type": event.envelope.type,
                },
            ):
                await self._handle_with_retries(broker, sub, body, headers, msg, event)
        finally:
            current_event_id.reset(token_event)
            current_correlation_id.reset(token_corr)
            CONSUMER_LATENCY.labels(self.service, self.consumer, topic).observe(
                time.perf_counter() - started
            )

    async def _handle_with_retries(
        self,
        broker: KafkaBroker,
        sub: Subscription,
        body: bytes,
        headers: dict[str, str],
        msg: KafkaMessage,
        event: IncomingEvent,
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await sub.handler(event)
            except PoisonMessage as exc:
                await self._dead_letter(broker, sub, body, headers, msg, exc, attempts=attempt)
                return
            except Exception as exc:
                if attempt >= self.retry.max_attempts:
                    await self._dead_letter(broker, sub, body, headers, msg, exc, attempt)
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
        body: bytes,
        headers: dict[str, str],
        msg: KafkaMessage,
        exc: BaseException,
        attempts: int,
    ) -> None:
        raw = msg.raw_message
        dlq = self.dlq_topic(sub.topic)
        dlq_headers = dict(headers)
        dlq_headers.update(
            {
                "dlq_error": repr(exc)[:2000],
                "dlq_error_type": type(exc).__name__,
                "dlq_attempts": str(attempts),
                "dlq_consumer": self.consumer,
                "dlq_original_topic": raw.topic,  # type: ignore[union-attr]
                "dlq_original_partition": str(raw.partition),  # type: ignore[union-attr]
                "dlq_original_offset": str(raw.offset),  # type: ignore[union-attr]
                "dlq_failed_at": datetime.now(UTC).isoformat(),
            }
        )
        key = raw.key  # type: ignore[union-attr]
        await broker.publish(
            body,
            topic=dlq,
            key=key,
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


async def _raw_body(msg: Any) -> bytes:
    """Keep the body as bytes: parsing is ours, so a malformed message reaches the DLQ."""
    body: bytes = msg.body
    return body


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
