"""The handling of one consumer group's fetches: in order per partition, each record done,
retried later, or dead-lettered — and only what is done gets committed.

For each record of a fetch:
- a type the subscription does not take is skipped on its ``ce_type`` header (no parsing),
  counted ``ignored``; a type no contract of the platform knows (a typo, a ``.v2`` this code
  predates) is skipped, counted ``unknown_type`` and logged once per type;
- a record that cannot be read (headers, JSON) is dead-lettered at once;
- the handler runs. A transient failure (:mod:`servicekit.errors`) is retried with back-off
  for as long as it lasts, never dead-lettered; a permanent one is retried up to
  ``max_attempts`` and then dead-lettered. The retries never sleep in the handler: the
  partition is rewound and paused (:mod:`servicekit.messaging.partitions`), and its later
  records wait behind the failed one while the other partitions go on.

A subscription with a batch handler takes the consecutive records of one topic of a fetch in
one transaction; if the batch fails with a transient error, each partition of it waits and
retries; any other failure sends the records one by one through the path above, so one bad
record still reaches the dead letters alone.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contracts.envelope import HEADER_ID, HEADER_TYPE
from contracts.registry import BY_TYPE
from opentelemetry import trace

from servicekit.context import current_correlation_id, current_event_id
from servicekit.errors import describe, is_transient
from servicekit.faults import fault_point
from servicekit.health import LIVENESS
from servicekit.logging import get_logger
from servicekit.messaging.deadletters import DeadLetter, DeadLetterStore
from servicekit.messaging.events import (
    IncomingEvent,
    PoisonMessage,
    Record,
    headers_of,
    parse,
    type_of,
)
from servicekit.messaging.partitions import PartitionTracker
from servicekit.messaging.retry import RetryPolicy
from servicekit.metrics import (
    CONSUMER_HANDLED,
    CONSUMER_LAG,
    CONSUMER_LATENCY,
    CONSUMER_UNKNOWN_TYPES,
    DLQ_MESSAGES,
)
from servicekit.tracing import context_from_headers, tracer

if TYPE_CHECKING:
    from faststream.kafka import KafkaBroker

    from servicekit.messaging.router import Gate, Subscription

_log = get_logger(__name__)
_warned_types: set[tuple[str, str]] = set()


class Outcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"


class GroupConsumer:
    """One consumer group of a worker: its subscriptions by topic and its partitions' state."""

    def __init__(
        self,
        *,
        service: str,
        consumer: str,
        group: str,
        by_topic: dict[str, Subscription],
        retry: RetryPolicy,
        broker: KafkaBroker,
        dead_letters: DeadLetterStore,
        tracker: PartitionTracker,
        gate: Gate,
    ) -> None:
        self.service = service
        self.consumer = consumer
        self.group = group
        self.by_topic = by_topic
        self.retry = retry
        self.broker = broker
        self.dead_letters = dead_letters
        self.tracker = tracker
        self.gate = gate
        self.handled: list[str] = []
        """The ids of the events whose effect the fetch in hand applied."""

    async def consume(self, records: Sequence[Record], kafka_consumer: Any) -> None:
        """Handle one fetch, then let its done offsets be committed."""
        if self.gate.stopping:
            return  # shutting down: the records stay for whoever owns them next
        self.tracker.bind(kafka_consumer)
        self.handled = []
        with self.gate.in_flight(), LIVENESS.busy(f"consumer {self.group}"):
            await self.handle_fetch(records)
        if self.handled:
            fault_point("consumer.before_offset_commit", group=self.group, event_ids=self.handled)
        self.tracker.commit_soon()

    async def handle_fetch(self, records: Sequence[Record]) -> None:
        blocked: set[tuple[str, int]] = set()
        start = 0
        while start < len(records):
            if self.gate.stopping:
                return
            sub = self.by_topic[records[start].topic]
            end = start + 1
            if sub.batch_handler is not None:
                while end < len(records) and records[end].topic == sub.topic:
                    end += 1
            run = [r for r in records[start:end] if (r.topic, r.partition) not in blocked]
            if len(run) > 1:
                await self._handle_run(sub, run, blocked)
            elif run:
                await self._handle_alone(sub, run[0], blocked)
            start = end

    async def _handle_alone(
        self, sub: Subscription, record: Record, blocked: set[tuple[str, int]]
    ) -> None:
        if (record.topic, record.partition) in blocked:
            return
        if await self.handle_one(sub, record) is Outcome.DONE:
            self.tracker.done(record)
        else:
            blocked.add((record.topic, record.partition))

    # -- a run of records in one transaction ---------------------------------------------
    async def _handle_run(
        self, sub: Subscription, run: Sequence[Record], blocked: set[tuple[str, int]]
    ) -> None:
        assert sub.batch_handler is not None
        events: list[IncomingEvent] = []
        links: list[trace.Link] = []
        skipped: list[tuple[Record, str]] = []
        for record in run:
            reason = self._skip_reason(sub, record, type_of(record))
            if reason is not None:
                skipped.append((record, reason))
                continue
            headers = headers_of(record)
            try:
                event = parse(record, headers)
            except PoisonMessage:
                return await self._one_by_one(sub, run, blocked)
            events.append(event)
            origin = trace.get_current_span(context_from_headers(headers)).get_span_context()
            if origin.is_valid:
                links.append(trace.Link(origin))
        if not events:  # none of the run is for this subscription: all of it is done
            self._count_skipped(sub, skipped)
            for record in run:
                self.tracker.done(record)
            return
        if len(events) < 2:
            return await self._one_by_one(sub, run, blocked)
        started = time.perf_counter()
        try:
            with tracer("servicekit.consumer").start_as_current_span(
                f"{sub.topic} process batch",
                kind=trace.SpanKind.CONSUMER,
                attributes={"messaging.batch.message_count": len(events)},
                links=links,
            ):
                await sub.batch_handler(events)
        except Exception as exc:
            transient = is_transient(exc)
            _log.warning(
                "consumer_batch_failed",
                topic=sub.topic,
                size=len(run),
                transient=transient,
                error=describe(exc),
            )
            if transient:
                return self._wait_for_each_partition(run, blocked)
            return await self._one_by_one(sub, run, blocked)
        self._count_skipped(sub, skipped)
        self._count_batch(sub, events, time.perf_counter() - started)
        self.handled.extend(e.envelope.id for e in events)
        for record in run:
            self.tracker.done(record)

    async def _one_by_one(
        self, sub: Subscription, run: Sequence[Record], blocked: set[tuple[str, int]]
    ) -> None:
        for record in run:
            await self._handle_alone(sub, record, blocked)

    def _wait_for_each_partition(
        self, run: Sequence[Record], blocked: set[tuple[str, int]]
    ) -> None:
        for record in run:
            key = (record.topic, record.partition)
            if key in blocked:
                continue
            blocked.add(key)
            attempts = self.tracker.attempts(record) + 1
            self.tracker.retry_later(record, attempts, self.retry.delay(attempts))

    def _count_batch(
        self, sub: Subscription, events: Sequence[IncomingEvent], elapsed_s: float
    ) -> None:
        now = datetime.now(UTC)
        lag = CONSUMER_LAG.labels(self.service, self.consumer, sub.topic)
        latency = CONSUMER_LATENCY.labels(self.service, self.consumer, sub.topic)
        each_s = elapsed_s / len(events)
        for event in events:
            lag.observe(max((now - event.envelope.time).total_seconds(), 0.0))
            latency.observe(each_s)
        CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, "ok").inc(len(events))

    def _count_skipped(self, sub: Subscription, skipped: Sequence[tuple[Record, str]]) -> None:
        for reason, count in Counter(r for _, r in skipped).items():
            CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, reason).inc(count)

    # -- one record ------------------------------------------------------------------------
    def _skip_reason(self, sub: Subscription, record: Record, kind: str | None) -> str | None:
        """Why a record is skipped, told by its type header alone: ``ignored`` (a type the
        subscription does not take), ``unknown_type`` (no contract knows it: logged once per
        type), or ``None`` when it is to be handled. (Without the header the envelope cannot
        be read: the record is a poison message, handled.)"""
        if sub.event_types is None or kind is None or kind in sub.event_types:
            return None
        if kind in BY_TYPE:
            return "ignored"
        CONSUMER_UNKNOWN_TYPES.labels(self.service, self.group, record.topic, kind).inc()
        if (self.group, kind) not in _warned_types:
            _warned_types.add((self.group, kind))
            _log.warning(
                "consumer_unknown_event_type", group=self.group, topic=record.topic, type=kind
            )
        return "unknown_type"

    async def handle_one(self, sub: Subscription, record: Record) -> Outcome:
        reason = self._skip_reason(sub, record, type_of(record))
        if reason is not None:
            self._count_skipped(sub, [(record, reason)])
            return Outcome.DONE
        headers = headers_of(record)
        attempt = self.tracker.attempts(record) + 1
        try:
            event = parse(record, headers)
        except PoisonMessage as exc:
            return await self._dead_letter(sub, record, headers, exc, attempt)
        token_event = current_event_id.set(event.envelope.id)
        token_corr = current_correlation_id.set(event.envelope.correlation_id)
        started = time.perf_counter()
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
                return await self._attempt(sub, record, headers, event, attempt)
        finally:
            current_event_id.reset(token_event)
            current_correlation_id.reset(token_corr)
            CONSUMER_LATENCY.labels(self.service, self.consumer, record.topic).observe(
                time.perf_counter() - started
            )

    async def _attempt(
        self,
        sub: Subscription,
        record: Record,
        headers: dict[str, str],
        event: IncomingEvent,
        attempt: int,
    ) -> Outcome:
        try:
            await sub.handler(event)
        except PoisonMessage as exc:
            return await self._dead_letter(sub, record, headers, exc, attempt)
        except Exception as exc:
            transient = is_transient(exc)
            if not transient and attempt >= self.retry.max_attempts:
                return await self._dead_letter(sub, record, headers, exc, attempt)
            _log.warning(
                "consumer_handler_failed",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                attempt=attempt,
                transient=transient,
                error=describe(exc),
            )
            self.tracker.retry_later(record, attempt, self.retry.delay(attempt))
            return Outcome.RETRY
        CONSUMER_HANDLED.labels(self.service, self.consumer, record.topic, "ok").inc()
        self.handled.append(event.envelope.id)
        return Outcome.DONE

    # -- dead letters ----------------------------------------------------------------------
    async def _dead_letter(
        self,
        sub: Subscription,
        record: Record,
        headers: dict[str, str],
        exc: BaseException,
        attempts: int,
    ) -> Outcome:
        """Publish to the DLQ, tell the subscription, record it; retried later if any step
        fails (the record is then not done)."""
        dlq = f"{sub.topic}.{self.consumer}.dlq"
        error = describe(exc, limit=2000)
        letter = DeadLetter(
            group=self.group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode(errors="replace") if record.key is not None else None,
            event_id=headers.get(HEADER_ID),
            event_type=headers.get(HEADER_TYPE),
            error=error,
            error_type=type(exc).__name__,
            attempts=attempts,
            dlq_topic=dlq,
            at=datetime.now(UTC),
        )
        try:
            if await self.dead_letters.has(
                self.group, record.topic, record.partition, record.offset
            ):
                _log.info("consumer_dead_letter_already_recorded", topic=record.topic)
                return Outcome.DONE
            if sub.on_dead_letter is not None:
                await sub.on_dead_letter(letter)
            await self.broker.publish(
                record.value or b"",
                topic=dlq,
                key=record.key,
                headers={**headers, **_dlq_headers(letter, self.consumer)},
            )
            await self.dead_letters.add(letter)
        except Exception as failure:
            _log.warning("consumer_dead_letter_failed", dlq=dlq, error=describe(failure))
            self.tracker.retry_later(record, attempts, self.retry.delay(attempts))
            return Outcome.RETRY
        DLQ_MESSAGES.labels(self.service, self.consumer).inc()
        CONSUMER_HANDLED.labels(self.service, self.consumer, sub.topic, "dead_lettered").inc()
        _log.error(
            "consumer_message_dead_lettered",
            topic=sub.topic,
            dlq=dlq,
            attempts=attempts,
            error=error[:500],
        )
        return Outcome.DONE


def _dlq_headers(letter: DeadLetter, consumer: str) -> dict[str, str]:
    return {
        "dlq_error": letter.error,
        "dlq_error_type": letter.error_type,
        "dlq_attempts": str(letter.attempts),
        "dlq_consumer": consumer,
        "dlq_group": letter.group,
        "dlq_original_topic": letter.topic,
        "dlq_original_partition": str(letter.partition),
        "dlq_original_offset": str(letter.offset),
        "dlq_failed_at": letter.at.isoformat(),
    }
