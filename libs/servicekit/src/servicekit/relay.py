"""The outbox relay: publishes committed outbox rows to Kafka, in order per key, at least once.

- **One publisher, fenced.** Any number of relay copies may run (SQLite or PostgreSQL); the one
  holding the outbox lease publishes (:mod:`servicekit.lease`). The lease is checked before
  each batch, and a batch is marked published only under the lease's fencing token: a copy
  that lost the lease cannot mark rows and steps down.
- **Order per key.** Pending rows are read in id order and sent with an idempotent producer
  (``acks=all``). On PostgreSQL ids are not commit order by themselves; the outbox writer takes
  a transaction lock on the row's key before inserting (:mod:`servicekit.outbox`), so two
  transactions writing one key commit in id order. On SQLite writers are serialized.
- **A poison row does not stall the outbox.** A failure that belongs to a row (too large for
  the broker, a topic that does not exist) counts an attempt on that row only; its key waits
  behind it, every other key goes on. After ``max_row_attempts`` the row is *parked* with its
  reason (an error log ``outbox_row_parked`` and the ``outbox_parked`` gauge alert operators,
  who retry or discard it); later rows of its key wait behind a parked row.
- **Broker trouble** (every send failing, a batch not acknowledged in time) backs off
  exponentially; a producer that makes no progress for ``producer_stall_after`` consecutive
  failures is closed and recreated. Such failures never park a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from opentelemetry import trace
from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.clock import Clock
from servicekit.db import as_utc, reading
from servicekit.doorbell import Doorbell
from servicekit.errors import SafeError, describe
from servicekit.faults import fault_point
from servicekit.health import LIVENESS
from servicekit.lease import Lease
from servicekit.logging import get_logger
from servicekit.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PARKED,
    OUTBOX_PRODUCER_RESTARTS,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_PUBLISHED_TOTAL,
    OUTBOX_RELAY_LEADER,
)
from servicekit.tables import OUTBOX_PARKED as PARKED
from servicekit.tables import OUTBOX_PENDING, OUTBOX_PUBLISHED
from servicekit.tracing import context_from_headers, tracer

_log = get_logger(__name__)
MAX_MESSAGE_BYTES = 1_048_576
_ROW_ERRORS = ("MessageSizeTooLargeError", "RecordTooLargeError", "InvalidTopicError")
_UNKNOWN_TOPIC = 3


class Producer(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[Any]: ...
    async def topic_exists(self, topic: str) -> bool | None:
        """``False`` only when the broker answered and does not have the topic."""
        ...


ProducerFactory = Callable[[], Producer]


class RowFailure(SafeError):
    """A send refused because of the row itself (not the broker's state)."""


class AiokafkaProducer:
    """An idempotent aiokafka producer (``acks=all``): no duplicate or reordering from the
    producer's own retries."""

    def __init__(self, bootstrap_servers: str, client_id: str, **security: Any) -> None:
        from aiokafka import AIOKafkaProducer

        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=0,
            request_timeout_ms=15000,
            retry_backoff_ms=200,
            max_request_size=MAX_MESSAGE_BYTES,
            **security,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[Any]:
        future: Awaitable[Any] = await self._producer.send(
            topic, value=value, key=key, headers=headers
        )
        return future

    async def topic_exists(self, topic: str) -> bool | None:
        """Asked of the broker when the producer's metadata lacks the topic: ``False`` only
        for the broker's own "unknown topic" answer (a topic still being created, or one the
        principal may not see, is not the row's fault)."""
        client = self._producer.client
        if client.cluster.partitions_for_topic(topic) is not None:
            return True
        from aiokafka.protocol.metadata import MetadataRequest

        try:
            node = client.get_random_node()
            if node is None:
                return None
            response = await asyncio.wait_for(client.send(node, MetadataRequest([topic])), 5.0)
            topics = response.to_object()["topics"]
        except Exception:
            return None
        codes = {t.get("topic", t.get("name")): t.get("error_code") for t in topics}
        code = codes.get(topic)
        if code == _UNKNOWN_TOPIC:
            return False
        return True if code == 0 else None


def aiokafka_producer_factory(
    bootstrap_servers: str, client_id: str, **security: Any
) -> ProducerFactory:
    def make() -> Producer:
        return AiokafkaProducer(bootstrap_servers, client_id, **security)

    return make


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    topic: str
    key: str
    headers: str
    payload: str
    attempts: int


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        lease_table: Table,
        *,
        service: str,
        producer_factory: ProducerFactory,
        clock: Clock,
        batch_size: int = 200,
        poll_interval_s: float = 0.05,
        send_timeout_s: float = 20.0,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 5.0,
        producer_stall_after: int = 3,
        max_row_attempts: int = 5,
        lease_ttl_s: float = 10.0,
        holder: str | None = None,
        doorbell_host: str = "",
    ) -> None:
        self._engine = engine
        self._table = table
        self._service = service
        self._producer_factory = producer_factory
        self._clock = clock
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._send_timeout_s = send_timeout_s
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._producer_stall_after = producer_stall_after
        self._max_row_attempts = max_row_attempts
        self._lease_ttl_s = lease_ttl_s
        self.lease = Lease(
            engine, lease_table, name="outbox-relay", clock=clock, ttl_s=lease_ttl_s, holder=holder
        )
        self._doorbell = Doorbell(self.wake, doorbell_host) if doorbell_host else None
        self._producer: Producer | None = None
        self._failures = 0
        self._row_retry_at: dict[int, float] = {}
        self._last_metrics = 0.0
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self.producers_created = 0

    # -- lifecycle -----------------------------------------------------------------------
    def wake(self) -> None:
        """Publish now rather than at the next poll (called after a local commit)."""
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        """Publish until :meth:`stop`; never raises on broker or database trouble."""
        if self._doorbell is not None and self.lease.token is None:
            # the lease row names the doorbell: commits ring it (servicekit.doorbell)
            self.lease.holder = f"{self.lease.holder}@{await self._doorbell.open()}"
        _log.info("outbox_relay_started", holder=self.lease.holder)
        try:
            while not self._stopping.is_set():
                published = 0
                # a ring from here on (a commit while this batch is read and sent) wakes the
                # next idle wait at once: the rows it rang for may be after this batch's read
                self._wakeup.clear()
                try:
                    with LIVENESS.busy(f"outbox relay {self._service}"):
                        published = await self.publish_once()
                    OUTBOX_RELAY_LEADER.labels(self._service).set(1 if self.lease.held else 0)
                    self._failures = 0
                except Exception as exc:
                    await self._on_failure(exc)
                    continue
                if published < self._batch_size:
                    await self._idle()
        finally:
            if self._doorbell is not None:
                self._doorbell.close()
            await self._close()
            _log.info("outbox_relay_stopped")

    def idle_wait_s(self) -> float:
        """How long the relay sleeps when nothing rang: the poll, but never more than half the
        lease, so that a holder renews it in time and a standby takes over soon after it
        expires."""
        return min(self._poll_interval_s, self._lease_ttl_s / 2)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self.idle_wait_s())

    async def _on_failure(self, exc: Exception) -> None:
        self._failures += 1
        OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
        _log.warning(
            "outbox_relay_publish_failed",
            error=describe(exc),
            consecutive_failures=self._failures,
        )
        if self._failures >= self._producer_stall_after and self._producer is not None:
            # no progress: this producer is stuck (a broker that stopped answering, a
            # connection half-open); the next batch creates a new one
            await self._drop_producer()
            OUTBOX_PRODUCER_RESTARTS.labels(self._service).inc()
            _log.warning("outbox_relay_producer_replaced", consecutive_failures=self._failures)
        delay = min(self._backoff_max_s, self._backoff_initial_s * 2 ** (self._failures - 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    async def _close(self) -> None:
        await self._drop_producer()
        with contextlib.suppress(Exception):
            await self.lease.release()
        OUTBOX_RELAY_LEADER.labels(self._service).set(0)

    # -- producer ------------------------------------------------------------------------
    async def _get_producer(self) -> Producer:
        if self._producer is None:
            producer = self._producer_factory()
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), timeout=5)
                raise
            self._producer = producer
            self.producers_created += 1
            if self.producers_created > 1:
                _log.info("outbox_relay_producer_recreated")
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception as exc:
                _log.warning("outbox_relay_producer_stop_failed", error=describe(exc))

    # -- publishing ----------------------------------------------------------------------
    async def _pending(self) -> list[_Row]:
        """Pending rows in id order, but none behind a parked row of its key."""
        t = self._table
        parked = t.alias("parked")
        blocked = (
            select(parked.c.id)
            .where(
                parked.c.state == PARKED,
                parked.c.topic == t.c.topic,
                parked.c.key == t.c.key,
                parked.c.id < t.c.id,
            )
            .exists()
        )
        async with reading(self._engine) as conn:
            rows = (
                await conn.execute(
                    select(t.c.id, t.c.topic, t.c.key, t.c.headers, t.c.payload, t.c.attempts)
                    .where(t.c.state == OUTBOX_PENDING, ~blocked)
                    .order_by(t.c.id)
                    .limit(self._batch_size)
                )
            ).all()
            await conn.rollback()
        return [_Row(r.id, r.topic, r.key, r.headers, r.payload, r.attempts) for r in rows]

    async def publish_once(self) -> int:
        """Publish one batch of pending rows if this copy holds the lease; return how many
        were published."""
        if not await self.lease.hold():
            return 0
        rows = await self._pending()
        await self._update_metrics()
        if not rows:
            return 0
        producer = await self._get_producer()
        now = time.monotonic()
        waiting: set[tuple[str, str]] = set()
        sent: list[_Row] = []
        futures: list[Awaitable[Any]] = []
        refused: list[tuple[_Row, BaseException]] = []
        for row in rows:
            if (row.topic, row.key) in waiting:
                continue
            if self._row_retry_at.get(row.id, 0.0) > now:
                waiting.add((row.topic, row.key))
                continue
            try:
                futures.append(await self._send(producer, row))
            except RowFailure as exc:
                refused.append((row, exc.__cause__ or exc))
                waiting.add((row.topic, row.key))
                continue
            sent.append(row)
        if sent:
            try:
                await asyncio.wait_for(asyncio.gather(*futures), timeout=self._send_timeout_s)
            except Exception as failure:
                await self._note_failure([row.id for row in sent], failure)
                raise
            fault_point("relay.after_ack", event_ids=[r.id for r in sent])
            await self._mark_published([row.id for row in sent])
            OUTBOX_PUBLISHED_TOTAL.labels(self._service).inc(len(sent))
            for row in sent:
                self._row_retry_at.pop(row.id, None)
        for row, reason in refused:
            await self._row_failed(row, reason)
        _log.debug("outbox_relay_published", count=len(sent))
        return len(sent)

    async def _send(self, producer: Producer, row: _Row) -> Awaitable[Any]:
        if await producer.topic_exists(row.topic) is False:
            raise RowFailure(f"the topic {row.topic} does not exist")
        headers: dict[str, str] = json.loads(row.headers)
        with tracer("servicekit.outbox").start_as_current_span(
            f"{row.topic} publish",
            context=context_from_headers(headers),
            kind=trace.SpanKind.PRODUCER,
        ):
            try:
                return await producer.send(
                    row.topic,
                    value=row.payload.encode(),
                    key=row.key.encode(),
                    headers=[(k, v.encode()) for k, v in headers.items()],
                )
            except Exception as exc:
                if type(exc).__name__ in _ROW_ERRORS:
                    raise RowFailure(describe(exc)) from exc
                raise

    async def _mark_published(self, ids: list[int]) -> None:
        t = self._table
        async with self._engine.begin() as conn:
            marked = await conn.execute(
                update(t)
                .where(and_(t.c.id.in_(ids), self.lease.fence()))
                .values(
                    state=OUTBOX_PUBLISHED,
                    published_at=self._clock.now(),
                    attempts=t.c.attempts + 1,
                )
            )
        if marked.rowcount == 0:
            self.lease.fenced_out()
            _log.warning("outbox_relay_fenced_out", rows=len(ids))

    async def _note_failure(self, ids: list[int], exc: BaseException) -> None:
        """The broker did not acknowledge: say why on the rows, count nothing against them."""
        t = self._table
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(t).where(t.c.id.in_(ids)).values(last_error=describe(exc, limit=2000))
                )
        except Exception as failure:
            _log.warning("outbox_relay_failure_not_recorded", error=describe(failure))

    async def _row_failed(self, row: _Row, exc: BaseException) -> None:
        attempts = row.attempts + 1
        error = describe(exc, limit=2000)
        park = attempts >= self._max_row_attempts
        t = self._table
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(and_(t.c.id == row.id, t.c.state == OUTBOX_PENDING, self.lease.fence()))
                .values(
                    attempts=attempts, last_error=error, state=PARKED if park else OUTBOX_PENDING
                )
            )
        if park:
            self._row_retry_at.pop(row.id, None)
            _log.error(
                "outbox_row_parked",
                row_id=row.id,
                topic=row.topic,
                key=row.key,
                attempts=attempts,
                error=error[:500],
            )
            self._last_metrics = 0.0
        else:
            delay = min(self._backoff_max_s, self._backoff_initial_s * 2 ** (attempts - 1))
            self._row_retry_at[row.id] = time.monotonic() + delay
            _log.warning(
                "outbox_row_refused", row_id=row.id, topic=row.topic, attempts=attempts, error=error
            )

    async def backlog(self) -> tuple[int, datetime | None]:
        t = self._table
        async with reading(self._engine) as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(t.c.created_at)).where(
                        t.c.state == OUTBOX_PENDING
                    )
                )
            ).one()
            await conn.rollback()
        return int(count), oldest

    async def parked(self) -> int:
        t = self._table
        async with reading(self._engine) as conn:
            count = (await conn.execute(select(func.count()).where(t.c.state == PARKED))).scalar()
            await conn.rollback()
        return int(count or 0)

    async def _update_metrics(self) -> None:
        """Backlog size and age and parked rows, at most once a second (counts over the
        table)."""
        now = time.monotonic()
        if now - self._last_metrics < 1.0:
            return
        self._last_metrics = now
        count, oldest = await self.backlog()
        OUTBOX_BACKLOG.labels(self._service).set(count)
        OUTBOX_PARKED.labels(self._service).set(await self.parked())
        if oldest is None:
            OUTBOX_OLDEST_AGE.labels(self._service).set(0)
        else:
            OUTBOX_OLDEST_AGE.labels(self._service).set(
                (self._clock.now() - as_utc(oldest)).total_seconds()
            )
