"""Benchmark of the event bus: outbox → relay → Kafka → consumer with inbox, against raw
aiokafka produce → consume of the same payloads on the same broker, in one run.

Prints one JSON line:
{"bench":"bus","events":…,"pipeline_eps":…,"raw_eps":…,"ratio":…,"p99_lag_ms":…, …}

The pipeline writes its events in transactions of 100 (as an api would), the relay publishes
them, and a FastStream subscriber of servicekit records each event id in an inbox table (no
business effect) — twice: once with a transaction per event (``per_event``), once as the
services' read models consume, with the consecutive events of one fetch claimed in one
transaction (``batched``: the ``batch_handler`` of :class:`servicekit.messaging.Subscription`).
Every path uses SQLite files (the embedded default) and the same broker: the one named by
KAFKA_BOOTSTRAP_SERVERS when it answers, else one started for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.identity.v1 import AccountRegisteredV1
from devstack.kafka import KafkaBroker, admin_round_trip
from devstack.ports import free_port
from devstack.postgres import create_database, start_postgres
from servicekit.clock import SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import EventRouter, IncomingEvent, RetryPolicy, make_broker
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from servicekit.tables import add_messaging_tables, messaging_tables
from servicekit.uow import SqlAlchemyUnitOfWork
from sqlalchemy import MetaData


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


async def _create_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1), NewTopic(f"{name}.bench.dlq", 3, 1)])
    finally:
        await admin.close()


def _payload(i: int) -> bytes:
    return (
        AccountRegisteredV1(account_id=f"acc-{i}", kind="assure", registered_at=datetime.now(UTC))
        .model_dump_json()
        .encode()
    )


async def raw(bootstrap: str, n: int) -> tuple[float, list[float]]:
    topic = f"bench.raw-{uuid.uuid4().hex[:6]}"
    await _create_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-{topic}", auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5
    )
    await consumer.start()
    await producer.start()
    lags: list[float] = []
    try:
        started = time.perf_counter()

        async def produce() -> None:
            for i in range(n):
                headers = [("sent_at", str(time.perf_counter()).encode())]
                await producer.send(
                    topic, _payload(i), key=f"acc-{i % 500}".encode(), headers=headers
                )
            await producer.flush()

        async def consume() -> None:
            while len(lags) < n:
                batch = await consumer.getmany(timeout_ms=500)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        sent = float(dict(record.headers)["sent_at"])
                        lags.append(now - sent)
                await consumer.commit()

        await asyncio.gather(produce(), consume())
        elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()
    return n / elapsed, lags


async def _database_urls(folder: Path, run: str, postgres: str | None) -> tuple[str, str]:
    """The producer's and the consumer's databases: SQLite files, or two new databases of
    the PostgreSQL server ``postgres``."""
    if postgres is None:
        return (
            f"sqlite+aiosqlite:///{folder}/producer-{run}.db",
            f"sqlite+aiosqlite:///{folder}/consumer-{run}.db",
        )
    suffix = uuid.uuid4().hex[:6]
    return (
        await create_database(postgres, f"bench_producer_{suffix}"),
        await create_database(postgres, f"bench_consumer_{suffix}"),
    )


async def pipeline(
    bootstrap: str, n: int, folder: Path, *, batched: bool, postgres: str | None = None
) -> tuple[float, list[float]]:
    topic = f"bench.bus-{uuid.uuid4().hex[:6]}"
    await _create_topic(bootstrap, topic)

    class BenchEvent(AccountRegisteredV1):
        topic = "unused"

    BenchEvent.topic = topic  # type: ignore[misc]
    clock = SystemClock()
    producer_md, consumer_md = MetaData(), MetaData()
    p_tables = messaging_tables(producer_md)
    p_outbox, p_inbox = p_tables.outbox, p_tables.inbox
    c_outbox, c_inbox = add_messaging_tables(consumer_md)
    producer_url, consumer_url = await _database_urls(
        folder, "batched" if batched else "per-event", postgres
    )
    p_engine = create_engine(producer_url)
    c_engine = create_engine(consumer_url)
    async with p_engine.begin() as conn:
        await conn.run_sync(producer_md.create_all)
    async with c_engine.begin() as conn:
        await conn.run_sync(consumer_md.create_all)
    c_sessions = session_factory(c_engine)
    lags: list[float] = []
    done = asyncio.Event()

    async def on_event(event: IncomingEvent) -> None:
        uow = SqlAlchemyUnitOfWork(
            c_sessions, outbox_table=c_outbox, inbox_table=c_inbox, source="bench", clock=clock
        )
        async with uow:
            if not await uow.inbox.claim("bench", event.envelope.id, event.envelope.type):
                return
            await uow.commit()
        lags.append((datetime.now(UTC) - event.envelope.time).total_seconds())
        if len(lags) >= n:
            done.set()

    async def on_events(events: Sequence[IncomingEvent]) -> None:
        uow = SqlAlchemyUnitOfWork(
            c_sessions, outbox_table=c_outbox, inbox_table=c_inbox, source="bench", clock=clock
        )
        async with uow:
            await uow.inbox.claim_many("bench", [(e.envelope.id, e.envelope.type) for e in events])
            await uow.commit()
        now = datetime.now(UTC)
        lags.extend((now - e.envelope.time).total_seconds() for e in events)
        if len(lags) >= n:
            done.set()

    router = EventRouter(service="bench", consumer="bench", retry=RetryPolicy(3, 0.05, 0.5))
    router.on(topic, on_event, purpose="bench", batch_handler=on_events if batched else None)
    broker = make_broker(bootstrap, "bench")
    router.attach(broker)
    relay = OutboxRelay(
        p_engine,
        p_outbox,
        p_tables.lease,
        service="bench",
        producer_factory=aiokafka_producer_factory(bootstrap, "bench-relay"),
        clock=clock,
        batch_size=500,
        poll_interval_s=0.02,
    )
    await broker.start()
    relay_task = asyncio.create_task(relay.run())
    p_sessions = session_factory(p_engine)
    started = time.perf_counter()
    try:
        for chunk in range(0, n, 100):
            uow = SqlAlchemyUnitOfWork(
                p_sessions, outbox_table=p_outbox, inbox_table=p_inbox, source="bench", clock=clock
            )
            async with uow:
                for i in range(chunk, min(n, chunk + 100)):
                    event = BenchEvent(
                        account_id=f"acc-{i}", kind="assure", registered_at=clock.now()
                    )
                    await uow.outbox.add(event, subject=f"acc-{i % 500}")
                await uow.commit()
            relay.wake()
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        relay.stop()
        await relay_task
        await broker.stop()
        await p_engine.dispose()
        await c_engine.dispose()
    return n / elapsed, lags


def _broker_for_run(folder: Path) -> tuple[str, KafkaBroker | None]:
    import os

    from devstack.sync import run_sync

    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        try:
            run_sync(admin_round_trip(configured))
            return configured, None
        except Exception:
            pass
    broker = KafkaBroker(folder / "kafka", folder / "log", free_port(), free_port())
    broker.start()
    return broker.bootstrap, broker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="the batched pipeline once more with its databases on PostgreSQL",
    )
    args = parser.parse_args()
    from servicekit.logging import configure_logging

    configure_logging("bench", json=True, level="WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bootstrap, broker = _broker_for_run(folder)
        try:
            raw_eps, raw_lags = asyncio.run(raw(bootstrap, args.events))
            one_eps, one_lags = asyncio.run(pipeline(bootstrap, args.events, folder, batched=False))
            pipe_eps, pipe_lags = asyncio.run(
                pipeline(bootstrap, args.events, folder, batched=True)
            )
            pg_eps = 0.0
            if args.postgres:
                server = start_postgres()
                try:
                    pg_eps, _ = asyncio.run(
                        pipeline(bootstrap, args.events, folder, batched=True, postgres=server.url)
                    )
                finally:
                    server.stop()
        finally:
            if broker is not None:
                broker.stop()
    result: dict[str, Any] = {
        "bench": "bus",
        "events": args.events,
        "pipeline_eps": round(pipe_eps, 1),
        "raw_eps": round(raw_eps, 1),
        "ratio": round(pipe_eps / raw_eps, 4),
        "p99_lag_ms": round(_p99(pipe_lags) * 1000, 1),
        "p50_lag_ms": round(statistics.median(pipe_lags) * 1000, 1),
        "per_event_eps": round(one_eps, 1),
        "per_event_ratio": round(one_eps / raw_eps, 4),
        "per_event_p99_lag_ms": round(_p99(one_lags) * 1000, 1),
        **(
            {"postgres_eps": round(pg_eps, 1), "postgres_ratio": round(pg_eps / raw_eps, 4)}
            if args.postgres
            else {}
        ),
        "raw_p99_lag_ms": round(_p99(raw_lags) * 1000, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
