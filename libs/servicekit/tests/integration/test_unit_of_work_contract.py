"""One suite, run against the fake unit of work the services' unit tests use and the real one
on SQLite and PostgreSQL: the fakes must behave like the adapters they stand for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from contracts.envelope import Envelope
from contracts.identity.v1 import AccountRegisteredV1
from servicekit.clock import FakeClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import IncomingEvent
from servicekit.tables import messaging_tables
from servicekit.testing.fakes import FakeUnitOfWorkBase
from servicekit.uow import SqlAlchemyUnitOfWork, consume_batch, consume_once
from sqlalchemy import MetaData, select

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@dataclass
class Backend:
    new_uow: Callable[[], Any]
    published: Callable[[], Any]  # async: the subjects of the committed outbox rows


class SharedFake(FakeUnitOfWorkBase):
    """One fake per test; each ``new_uow`` is a new transaction on the same state."""


@pytest.fixture(params=["fake", "sql"])
async def backend(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Backend]:
    if request.param == "fake":
        fake = SharedFake()

        async def fake_published() -> list[str]:
            return [e.subject for e in fake.outbox.events]

        yield Backend(lambda: fake, fake_published)
        return
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)

    def sql_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(
            sessions,
            outbox_table=tables.outbox,
            inbox_table=tables.inbox,
            source="t",
            clock=FakeClock(NOW),
        )

    async def sql_published() -> list[str]:
        async with engine.connect() as conn:
            rows = await conn.execute(select(tables.outbox.c.key).order_by(tables.outbox.c.id))
            return list(rows.scalars())

    try:
        yield Backend(sql_uow, sql_published)
    finally:
        await engine.dispose()


def _event(event_id: str) -> IncomingEvent:
    envelope = Envelope(id=event_id, type="x.y.z.v1", source="t", time=NOW, subject="s")
    return IncomingEvent(envelope, {"subject": event_id}, "t", 0, 0)


async def _publish(uow: Any, subject: str) -> None:
    await uow.outbox.add(
        AccountRegisteredV1(account_id=subject, kind="assure", registered_at=NOW), subject=subject
    )


async def test_a_claim_is_refused_once_its_event_is_done(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        assert await uow.inbox.claim("c", "e1", "x.y.z.v1")
        assert not await uow.inbox.claim("c", "e1", "x.y.z.v1")  # twice in one transaction
        await uow.commit()
    async with backend.new_uow() as uow:
        assert not await uow.inbox.claim("c", "e1", "x.y.z.v1")
        assert await uow.inbox.claim("other-consumer", "e1", "x.y.z.v1")
        assert await uow.inbox.claim_many("c", [("e1", "t"), ("e2", "t")]) == {"e2"}


async def test_what_is_rolled_back_leaves_no_claim_and_no_event(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        assert await uow.inbox.claim("c", "e1", "x.y.z.v1")
        await _publish(uow, "lost")
    async with backend.new_uow() as uow:
        assert await uow.inbox.claim("c", "e1", "x.y.z.v1")
        await _publish(uow, "kept")
        await uow.commit()
    assert await backend.published() == ["kept"]


async def test_consuming_once_applies_an_effect_once_and_a_batch_skips_what_is_done(
    backend: Backend,
) -> None:
    async def effect(uow: Any) -> str:
        await _publish(uow, "once")
        return "applied"

    assert await consume_once(backend.new_uow(), "c", _event("e1"), effect) == "applied"
    assert await consume_once(backend.new_uow(), "c", _event("e1"), effect) is None

    async def each(uow: Any, event: IncomingEvent) -> None:
        await _publish(uow, event.data["subject"])

    events = [_event("e1"), _event("e2"), _event("e2"), _event("e3")]
    assert await consume_batch(backend.new_uow(), "c", events, each) == 2
    assert await backend.published() == ["once", "e2", "e3"]
