"""The outbox writer and relay on a real database (SQLite and PostgreSQL), with a producer
double that records what it is asked to send and can be made to fail."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contracts.envelope import Envelope
from contracts.identity.v1 import AccountRegisteredV1
from servicekit.clock import FakeClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import IncomingEvent
from servicekit.relay import OutboxRelay
from servicekit.tables import OUTBOX_PUBLISHED, messaging_tables
from servicekit.testing.polling import eventually
from servicekit.uow import SqlAlchemyUnitOfWork, consume_batch
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import DBAPIError

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


class RecordingProducer:
    def __init__(self, log: list[tuple[str, bytes, bytes, dict[str, str]]], fail: int) -> None:
        self.log = log
        self.fail = fail
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.fail > 0:
            self.fail -= 1
            future.set_exception(ConnectionError("broker down"))
        else:
            assert value is not None
            assert key is not None
            self.log.append((topic, key, value, {k: v.decode() for k, v in headers or []}))
            future.set_result(None)
        return future

    async def topic_exists(self, topic: str) -> bool | None:
        return True


class Producers:
    """Hands out producers; the first ``failing`` producers fail every send."""

    def __init__(self, failing: int = 0, fail_sends: int = 10**6) -> None:
        self.sent: list[tuple[str, bytes, bytes, dict[str, str]]] = []
        self.created = 0
        self.failing = failing
        self.fail_sends = fail_sends

    def __call__(self) -> RecordingProducer:
        self.created += 1
        fail = self.fail_sends if self.created <= self.failing else 0
        return RecordingProducer(self.sent, fail)


LEASES: dict[int, Any] = {}


async def _setup(database_url: str) -> tuple[Any, Any, Any]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    LEASES[id(tables.outbox)] = tables.lease
    return engine, tables.outbox, tables.inbox


def _relay(engine: Any, outbox: Any, producers: Any, clock: Any, **options: Any) -> OutboxRelay:
    return OutboxRelay(
        engine,
        outbox,
        LEASES[id(outbox)],
        service="t",
        producer_factory=producers,
        clock=clock,
        **options,
    )


async def _write(
    engine: Any, outbox: Any, inbox: Any, clock: FakeClock, subjects: list[str]
) -> None:
    uow = SqlAlchemyUnitOfWork(
        session_factory(engine), outbox_table=outbox, inbox_table=inbox, source="test", clock=clock
    )
    async with uow:
        for subject in subjects:
            await uow.outbox.add(
                AccountRegisteredV1(account_id=subject, kind="assure", registered_at=clock.now()),
                subject=subject,
            )
        await uow.commit()


async def test_committed_rows_are_published_in_order_with_their_envelope(database_url: str) -> None:
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    await _write(engine, outbox, inbox, clock, ["a", "b", "a", "c"])
    producers = Producers()
    relay = _relay(engine, outbox, producers, clock)
    assert await relay.publish_once() == 4
    assert [(t, k) for t, k, _, _ in producers.sent] == [
        ("identity.account", b"a"),
        ("identity.account", b"b"),
        ("identity.account", b"a"),
        ("identity.account", b"c"),
    ]
    headers = producers.sent[0][3]
    assert headers["ce_type"] == "identity.account.registered.v1"
    assert headers["ce_source"] == "test"
    assert headers["ce_subject"] == "a"
    assert json.loads(producers.sent[0][2])["account_id"] == "a"
    async with engine.connect() as conn:
        states = (await conn.execute(select(outbox.c.state))).scalars().all()
    assert set(states) == {OUTBOX_PUBLISHED}
    assert await relay.publish_once() == 0
    await engine.dispose()


async def test_a_rolled_back_unit_of_work_leaves_no_outbox_row(database_url: str) -> None:
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    uow = SqlAlchemyUnitOfWork(
        session_factory(engine), outbox_table=outbox, inbox_table=inbox, source="t", clock=clock
    )
    async with uow:
        await uow.outbox.add(
            AccountRegisteredV1(account_id="x", kind="assure", registered_at=clock.now()),
            subject="x",
        )
    relay = _relay(engine, outbox, Producers(), clock)
    assert await relay.backlog() == (0, None)
    await engine.dispose()


async def test_a_failing_producer_is_replaced_and_nothing_is_lost(database_url: str) -> None:
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    await _write(engine, outbox, inbox, clock, [f"s{i}" for i in range(5)])
    producers = Producers(failing=1)
    relay = _relay(
        engine,
        outbox,
        producers,
        clock,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
        producer_stall_after=2,
        poll_interval_s=0.01,
    )
    task = asyncio.create_task(relay.run())

    async def all_sent() -> bool:
        return len(producers.sent) >= 5

    await eventually(all_sent, timeout_s=10, message="five events published")
    relay.stop()
    await task
    assert [k for _, k, _, _ in producers.sent] == [f"s{i}".encode() for i in range(5)]
    assert producers.created == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.attempts, outbox.c.last_error))).all()
    # a broker failure never counts against a row (rows are parked only for their own faults)
    assert all(r.attempts == 1 for r in rows)
    assert all("ConnectionError" in (r.last_error or "") for r in rows)
    assert await relay.backlog() == (0, None)
    await engine.dispose()


async def test_a_relay_nobody_rings_looks_again_within_half_its_lease(database_url: str) -> None:
    # a row written without the doorbell (another process, an operator's re-queue) waits for
    # the poll; a poll set longer than the lease is cut to half of it
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    producers = Producers()
    relay = _relay(engine, outbox, producers, clock, poll_interval_s=60.0, lease_ttl_s=1.0)
    assert relay.idle_wait_s() == 0.5
    await _write(engine, outbox, inbox, clock, ["first"])
    task = asyncio.create_task(relay.run())

    def sent(count: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return len(producers.sent) == count

        return check

    # the first row went out in the relay's first pass, which read the pending rows before
    # the second one exists: only a later pass, after the idle wait, can find it
    await eventually(sent(1), timeout_s=10, message="the first row published")
    await _write(engine, outbox, inbox, clock, ["late"])
    await eventually(sent(2), timeout_s=5, message="the row published without a ring")
    relay.stop()
    await task
    await engine.dispose()


class RingingDuringSend(RecordingProducer):
    """While the relay sends its first batch, a unit of work commits a row and rings."""

    def __init__(self, log: list[Any], commit_and_ring: Callable[[], Awaitable[None]]) -> None:
        super().__init__(log, fail=0)
        self._commit_and_ring: Callable[[], Awaitable[None]] | None = commit_and_ring

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Any:
        ring, self._commit_and_ring = self._commit_and_ring, None
        if ring is not None:
            await ring()
        return await super().send(topic, value, key, headers)


async def test_a_ring_while_a_batch_is_being_sent_is_not_lost(database_url: str) -> None:
    # the row committed during the send is after the batch's read: only the ring can bring
    # the relay back for it before its poll, a minute away
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    sent: list[Any] = []
    relay: OutboxRelay | None = None

    async def commit_and_ring() -> None:
        await _write(engine, outbox, inbox, clock, ["during the send"])
        assert relay is not None
        relay.wake()

    relay = _relay(
        engine,
        outbox,
        lambda: RingingDuringSend(sent, commit_and_ring),
        clock,
        poll_interval_s=60.0,
        lease_ttl_s=300.0,
    )
    assert relay.idle_wait_s() == 60.0
    await _write(engine, outbox, inbox, clock, ["first"])
    task = asyncio.create_task(relay.run())

    async def both_sent() -> bool:
        return len(sent) == 2

    await eventually(both_sent, timeout_s=5, message="the row rung for during a send published")
    assert [key for _, key, _, _ in sent] == [b"first", b"during the send"]
    relay.stop()
    await task
    await engine.dispose()


async def test_the_backlog_reports_pending_rows_and_their_age(database_url: str) -> None:
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    await _write(engine, outbox, inbox, clock, ["a", "b"])
    relay = _relay(engine, outbox, Producers(), clock)
    count, oldest = await relay.backlog()
    assert count == 2
    assert oldest is not None
    await engine.dispose()


async def test_a_duplicate_event_is_recorded_once_in_the_inbox(database_url: str) -> None:
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    sessions = session_factory(engine)
    claims = []
    for _ in range(2):
        uow = SqlAlchemyUnitOfWork(
            sessions, outbox_table=outbox, inbox_table=inbox, source="t", clock=clock
        )
        async with uow:
            claims.append(await uow.inbox.claim("c", "ev-1", "x.y.z.v1"))
            await uow.commit()
    assert claims == [True, False]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(inbox.c.event_id))).scalars().all()
    assert rows == ["ev-1"]
    await engine.dispose()


def _event(event_id: str, subject: str) -> IncomingEvent:
    envelope = Envelope(
        id=event_id,
        type="x.y.z.v1",
        source="t",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        subject=subject,
    )
    return IncomingEvent(envelope, {"subject": subject}, "t", 0, 0)


async def _consume_batch(
    engine: Any, outbox: Any, inbox: Any, events: list[IncomingEvent], fail_on: str = ""
) -> int:
    uow = SqlAlchemyUnitOfWork(
        session_factory(engine),
        outbox_table=outbox,
        inbox_table=inbox,
        source="t",
        clock=FakeClock(),
    )

    async def effect(u: SqlAlchemyUnitOfWork, event: IncomingEvent) -> None:
        if event.envelope.id == fail_on:
            raise RuntimeError("this effect fails")
        await u.outbox.add(
            AccountRegisteredV1(
                account_id=event.data["subject"],
                kind="assure",
                registered_at=event.envelope.time,
            ),
            subject=event.data["subject"],
        )

    return await consume_batch(uow, "c", events, effect)


async def test_a_batch_applies_each_new_event_once_with_its_inbox_record(
    database_url: str,
) -> None:
    engine, outbox, inbox = await _setup(database_url)
    assert await _consume_batch(engine, outbox, inbox, [_event("ev-2", "b")]) == 1
    applied = await _consume_batch(
        engine,
        outbox,
        inbox,
        [_event("ev-1", "a"), _event("ev-2", "b"), _event("ev-1", "a"), _event("ev-3", "c")],
    )
    assert applied == 2  # ev-2 was done before; ev-1 came twice in the batch
    async with engine.connect() as conn:
        ids = (await conn.execute(select(inbox.c.event_id).order_by(inbox.c.event_id))).all()
        keys = (await conn.execute(select(outbox.c.key).order_by(outbox.c.id))).scalars().all()
    assert [row.event_id for row in ids] == ["ev-1", "ev-2", "ev-3"]
    assert keys == ["b", "a", "c"]
    await engine.dispose()


async def test_a_batch_whose_one_effect_fails_leaves_nothing_of_the_others(
    database_url: str,
) -> None:
    engine, outbox, inbox = await _setup(database_url)
    with pytest.raises(RuntimeError, match="this effect fails"):
        await _consume_batch(
            engine, outbox, inbox, [_event("ev-1", "a"), _event("ev-2", "b")], fail_on="ev-2"
        )
    async with engine.connect() as conn:
        assert (await conn.execute(select(inbox.c.event_id))).all() == []
        assert (await conn.execute(select(outbox.c.id))).all() == []
    await engine.dispose()


async def test_a_reader_reads_while_a_writer_holds_its_transaction(database_url: str) -> None:
    engine, outbox, inbox = await _setup(database_url)
    await _write(engine, outbox, inbox, FakeClock(), ["before"])
    sessions = session_factory(engine)

    def uow(read_only: bool) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(
            sessions,
            outbox_table=outbox,
            inbox_table=inbox,
            source="t",
            clock=FakeClock(),
            read_only=read_only,
        )

    async with uow(read_only=False) as writer:
        await writer.outbox.add(
            AccountRegisteredV1(account_id="a", kind="assure", registered_at=NOW), subject="held"
        )
        async with uow(read_only=True) as reader:
            keys = await asyncio.wait_for(reader.session.execute(select(outbox.c.key)), timeout=5)
            assert keys.scalars().all() == ["before"]  # the snapshot, without the writer's row
            with pytest.raises(RuntimeError, match="read-only"):
                await reader.commit()
        await writer.commit()
    await engine.dispose()


@pytest.mark.postgres
async def test_a_read_only_unit_of_work_cannot_write_on_postgres(
    postgres_database_url: str,
) -> None:
    engine, outbox, inbox = await _setup(postgres_database_url)
    reader = SqlAlchemyUnitOfWork(
        session_factory(engine),
        outbox_table=outbox,
        inbox_table=inbox,
        source="t",
        clock=FakeClock(),
        read_only=True,
    )
    async with reader:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await reader.session.execute(
                insert(inbox).values(
                    consumer="c", event_id="e", event_type="x.y.z.v1", processed_at=NOW
                )
            )
    await engine.dispose()


async def test_only_one_relay_copy_holds_the_lease_and_a_stopped_one_hands_it_over(
    database_url: str,
) -> None:
    clock = FakeClock()
    engine, outbox, _inbox = await _setup(database_url)
    first = _relay(engine, outbox, Producers(), clock)
    second = _relay(engine, outbox, Producers(), clock)
    assert await first.lease.hold()
    assert not await second.lease.hold()
    await first._close()  # a copy that stops gives the lease up
    assert await second.lease.hold()
    assert second.lease.token == 2
    await engine.dispose()


async def test_a_relay_that_lost_its_lease_cannot_mark_rows_and_steps_down(
    database_url: str,
) -> None:
    clock = FakeClock()
    behind = FakeClock(clock.now())  # the stale copy's time stood still (paused, skewed)
    engine, outbox, inbox = await _setup(database_url)
    await _write(engine, outbox, inbox, clock, ["a", "b"])
    stale_producers, new_producers = Producers(), Producers()
    stale = _relay(engine, outbox, stale_producers, behind, lease_ttl_s=10)
    leader = _relay(engine, outbox, new_producers, clock, lease_ttl_s=10)
    assert await stale.lease.hold()
    clock.advance(timedelta(seconds=11))
    assert await leader.lease.hold()
    assert leader.lease.token == 2
    # the stale copy believes it still holds the lease: it publishes, its marks are refused
    assert await stale.publish_once() == 2
    assert not stale.lease.held
    async with engine.connect() as conn:
        states = (await conn.execute(select(outbox.c.state))).scalars().all()
    assert set(states) == {"pending"}
    assert await leader.publish_once() == 2
    async with engine.connect() as conn:
        states = (await conn.execute(select(outbox.c.state))).scalars().all()
    assert set(states) == {OUTBOX_PUBLISHED}
    # what the stale copy sent is a duplicate of the leader's, in the same order per key
    assert [k for _, k, _, _ in stale_producers.sent] == [k for _, k, _, _ in new_producers.sent]
    await engine.dispose()


async def test_the_relay_continues_the_trace_of_the_request_that_wrote_the_row(
    database_url: str,
) -> None:
    from servicekit.tracing import in_memory_exporter, tracer

    exporter = in_memory_exporter()
    clock = FakeClock()
    engine, outbox, inbox = await _setup(database_url)
    with tracer("api").start_as_current_span("POST /v1/cabinets") as request:
        await _write(engine, outbox, inbox, clock, ["a"])
    producers = Producers()
    relay = _relay(engine, outbox, producers, clock)
    await relay.publish_once()
    [publish] = [s for s in exporter.get_finished_spans() if s.name == "identity.account publish"]
    assert publish.context.trace_id == request.get_span_context().trace_id
    assert producers.sent[0][3]["traceparent"].split("-")[1] == format(
        request.get_span_context().trace_id, "032x"
    )
    await engine.dispose()
