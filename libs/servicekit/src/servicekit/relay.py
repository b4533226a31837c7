"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

- Rows are read in id order and sent with an idempotent producer (``acks=all``), so the events of
  one key (one partition) keep their order; a batch is marked published only when every send of
  it is acknowledged. A failed batch is sent again whole: consumers' inboxes drop the duplicates.
- Failures back off exponentially; a producer that makes no progress for
  ``producer_stall_after`` consecutive failures is closed and recreated.
- On PostgreSQL several relay copies may run: one holds a session advisory lock and publishes,
  the others stand by until it goes away. On SQLite one relay per database is expected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from opentelemetry import trace
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from servicekit.clock import Clock
from servicekit.db import as_utc, is_sqlite
from servicekit.logging import get_logger
from servicekit.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PRODUCER_RESTARTS,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_PUBLISHED_TOTAL,
)
from servicekit.tables import OUTBOX_PENDING, OUTBOX_PUBLISHED
from servicekit.tracing import context_from_headers, tracer

_log = get_logger(__name__)
_RELAY_LOCK_ID = 0x6F7574626F78  # "outbox"


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


ProducerFactory = Callable[[], Producer]


def aiokafka_producer_factory(bootstrap_servers: str, client_id: str) -> ProducerFactory:
    """Idempotent producers, ``acks=all``: no duplicate or reordering from the producer's own
    retries."""

    def make() -> Producer:
        from aiokafka import AIOKafkaProducer

        producer: Producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            request_timeout_ms=15000,
            retry_backoff_ms=200,
        )
        return producer

    return make


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
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
        self._producer: Producer | None = None
        self._lock_conn: AsyncConnection | None = None
        self._failures = 0
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
        _log.info("outbox_relay_started")
        try:
            while not self._stopping.is_set():
                published = 0
                try:
                    if await self._hold_leadership():
                        published = await self.publish_once()
                    self._failures = 0
                except Exception as exc:
                    await self._on_failure(exc)
                    continue
                if published < self._batch_size:
                    await self._idle()
        finally:
            await self._close()
            _log.info("outbox_relay_stopped")

    async def _idle(self) -> None:
        self._wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval_s)

    async def _on_failure(self, exc: Exception) -> None:
        self._failures += 1
        OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
        _log.warning(
            "outbox_relay_publish_failed",
            error=repr(exc),
            consecutive_failures=self._failures,
        )
        if self._failures >= self._producer_stall_after:
            await self._drop_producer()
        await self._release_leadership_if_broken()
        delay = min(self._backoff_max_s, self._backoff_initial_s * 2 ** (self._failures - 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    async def _close(self) -> None:
        await self._drop_producer()
        if self._lock_conn is not None:
            # Discard the connection rather than pooling it: its session holds the lock.
            await self._lock_conn.invalidate()
            await self._lock_conn.close()
            self._lock_conn = None

    # -- producer ------------------------------------------------------------------------
    async def _get_producer(self) -> Producer:
        if self._producer is None:
            producer = self._producer_factory()
            await producer.start()
            self._producer = producer
            self.producers_created += 1
            if self.producers_created > 1:
                OUTBOX_PRODUCER_RESTARTS.labels(self._service).inc()
                _log.info("outbox_relay_producer_recreated")
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception as exc:
                _log.warning("outbox_relay_producer_stop_failed", error=repr(exc))

    # -- leadership (PostgreSQL) ---------------------------------------------------------
    async def _hold_leadership(self) -> bool:
        if is_sqlite(str(self._engine.url)):
            return True
        if self._lock_conn is None:
            conn = await self._engine.connect()
            got = (
                await conn.execute(select(func.pg_try_advisory_lock(_RELAY_LOCK_ID)))
            ).scalar_one()
            await conn.commit()
            if not got:
                await conn.close()
                return False
            self._lock_conn = conn
            _log.info("outbox_relay_leadership_acquired")
        return True

    async def _release_leadership_if_broken(self) -> None:
        if self._lock_conn is None:
            return
        try:
            await self._lock_conn.execute(text("SELECT 1"))
            await self._lock_conn.commit()
        except Exception:
            await self._lock_conn.invalidate()
            self._lock_conn = None

    # -- publishing ----------------------------------------------------------------------
    async def publish_once(self) -> int:
        """Publish one batch of pending rows; return how many were published."""
        t = self._table
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.c.id, t.c.topic, t.c.key, t.c.headers, t.c.payload)
                    .where(t.c.state == OUTBOX_PENDING)
                    .order_by(t.c.id)
                    .limit(self._batch_size)
                )
            ).all()
            await conn.rollback()
        await self._update_metrics()
        if not rows:
            return 0
        producer = await self._get_producer()
        try:
            futures = []
            for row in rows:
                headers: dict[str, str] = json.loads(row.headers)
                with tracer("servicekit.outbox").start_as_current_span(
                    f"{row.topic} publish",
                    context=context_from_headers(headers),
                    kind=trace.SpanKind.PRODUCER,
                ):
                    futures.append(
                        await producer.send(
                            row.topic,
                            value=row.payload.encode(),
                            key=row.key.encode(),
                            headers=[(k, v.encode()) for k, v in headers.items()],
                        )
                    )
            await asyncio.wait_for(asyncio.gather(*futures), timeout=self._send_timeout_s)
        except Exception as exc:
            await self._record_attempt([row.id for row in rows], repr(exc))
            raise
        await self._mark_published([row.id for row in rows])
        OUTBOX_PUBLISHED_TOTAL.labels(self._service).inc(len(rows))
        _log.debug("outbox_relay_published", count=len(rows))
        return len(rows)

    async def _mark_published(self, ids: list[int]) -> None:
        t = self._table
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.id.in_(ids))
                .values(
                    state=OUTBOX_PUBLISHED,
                    published_at=self._clock.now(),
                    attempts=t.c.attempts + 1,
                )
            )

    async def _record_attempt(self, ids: list[int], error: str) -> None:
        t = self._table
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(t)
                    .where(t.c.id.in_(ids))
                    .values(attempts=t.c.attempts + 1, last_error=error[:2000])
                )
        except Exception as exc:
            _log.warning("outbox_relay_attempt_not_recorded", error=repr(exc))

    async def backlog(self) -> tuple[int, datetime | None]:
        t = self._table
        async with self._engine.connect() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(t.c.created_at)).where(
                        t.c.state == OUTBOX_PENDING
                    )
                )
            ).one()
            await conn.rollback()
        return int(count), oldest

    async def _update_metrics(self) -> None:
        """Backlog size and age, at most once a second (it is a count over the table)."""
        now = time.monotonic()
        if now - self._last_metrics < 1.0:
            return
        self._last_metrics = now
        count, oldest = await self.backlog()
        OUTBOX_BACKLOG.labels(self._service).set(count)
        if oldest is None:
            OUTBOX_OLDEST_AGE.labels(self._service).set(0)
        else:
            OUTBOX_OLDEST_AGE.labels(self._service).set(
                (self._clock.now() - as_utc(oldest)).total_seconds()
            )
