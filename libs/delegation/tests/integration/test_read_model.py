"""The delegated-access read model on a real database: every update ordered by the aggregate's
version, never by wall-clock time; endings kept; an event for an entity not yet seen; a
quarantine that fails closed and lifts when its event is applied."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from contracts.base import EventPayload
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from delegation import DelegatedAccess, Quarantine, access_tables
from servicekit.auth import Principal
from servicekit.db import create_engine, session_factory
from servicekit.messaging import DeadLetter, IncomingEvent
from servicekit.problems import NotFound
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FIRM, CLIENT, PORTFOLIO, USER = "cab-1", "aff-1", "pf-1", "acc-paul"
PAUL = Principal(subject=USER, actor="cabinet_user", cabinet_id=FIRM, rights=frozenset({"read"}))
ADMIN = Principal(
    subject="acc-admin", actor="cabinet_user", cabinet_id=FIRM, rights=frozenset({"admin"})
)


@dataclass
class Model:
    engine: AsyncEngine
    tables: object

    async def apply(self, payload: EventPayload, *, at: datetime = NOW, event_id: str = "") -> None:
        event = IncomingEvent(
            Envelope(
                id=event_id or str(uuid.uuid4()),
                type=payload.event_type,
                source="mandates",
                time=at,
                subject="s",
            ),
            payload.model_dump(mode="json"),
            payload.topic,
            0,
            0,
        )
        async with session_factory(self.engine)() as session:
            await DelegatedAccess(session, self.tables).apply(event)  # type: ignore[arg-type]
            await session.commit()

    async def reaches(self, principal: Principal) -> bool:
        async with session_factory(self.engine)() as session:
            try:
                await DelegatedAccess(session, self.tables).require(  # type: ignore[arg-type]
                    principal, CLIENT, "read"
                )
            except NotFound:
                return False
        return True


@pytest.fixture
async def model(database_url: str) -> AsyncIterator[Model]:
    metadata = MetaData()
    tables = access_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield Model(engine, tables)
    finally:
        await engine.dispose()


def activated(version: int, mandate: str = "m-1") -> mandates_v1.MandateActivatedV1:
    return mandates_v1.MandateActivatedV1(
        mandate_id=mandate, affiliate_id=CLIENT, cabinet_id=FIRM, cabinet_name="Cabinet",
        client_name="Jean Dupont", activated_at=NOW, portfolio_id=PORTFOLIO, version=version,
    )  # fmt: skip


def ended(version: int, mandate: str = "m-1") -> mandates_v1.MandateEndedV1:
    return mandates_v1.MandateEndedV1(
        mandate_id=mandate, affiliate_id=CLIENT, cabinet_id=FIRM, cabinet_name="Cabinet",
        client_name="Jean Dupont", ended_by="client", ended_at=NOW, version=version,
    )  # fmt: skip


def subscriber(added: bool, version: int) -> EventPayload:
    cls = (
        mandates_v1.PortfolioSubscriberAddedV1
        if added
        else mandates_v1.PortfolioSubscriberRemovedV1
    )
    return cls(
        cabinet_id=FIRM, cabinet_name="Cabinet", portfolio_id=PORTFOLIO, portfolio_name="A",
        occurred_at=NOW, subscriber_account_id=USER, subscriber_name="Paul", version=version,
    )  # fmt: skip


def user(change: str, version: int) -> identity_v1.CabinetUserChangedV1:
    return identity_v1.CabinetUserChangedV1(
        cabinet_id=FIRM, cabinet_name="Cabinet", account_id=USER, user_name="Paul",
        change=change, changed_at=NOW, version=version,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_revocation_stamped_earlier_by_a_skewed_clock_still_closes_access(
    model: Model,
) -> None:
    await model.apply(activated(2))
    assert await model.reaches(ADMIN)
    await model.apply(ended(3), at=NOW - timedelta(minutes=5))  # the producer's clock is behind
    assert not await model.reaches(ADMIN)


async def test_a_replayed_subscriber_added_after_its_removal_gives_no_access_back(
    model: Model,
) -> None:
    await model.apply(activated(2))
    await model.apply(subscriber(True, 4), event_id="added-4")
    assert await model.reaches(PAUL)
    await model.apply(subscriber(False, 5))
    assert not await model.reaches(PAUL)
    await model.apply(subscriber(True, 4), at=NOW + timedelta(hours=1))  # a late replay
    assert not await model.reaches(PAUL)
    await model.apply(subscriber(True, 6))  # a new subscription is a newer change
    assert await model.reaches(PAUL)


async def test_an_ending_received_before_the_activation_it_follows_keeps_the_mandate_ended(
    model: Model,
) -> None:
    await model.apply(ended(3))  # a mandate this model has not seen yet
    await model.apply(activated(2))
    assert not await model.reaches(ADMIN)
    moved = mandates_v1.MandateMovedV1(
        mandate_id="m-1", affiliate_id=CLIENT, cabinet_id=FIRM, portfolio_id="pf-2",
        moved_at=NOW, version=2,
    )  # fmt: skip
    await model.apply(moved)  # an older move cannot reopen it either
    assert not await model.reaches(ADMIN)
    await model.apply(activated(1, mandate="m-2"))  # a new mandate of the same firm
    assert await model.reaches(ADMIN)


async def test_a_replayed_reactivation_does_not_undo_a_later_suspension(model: Model) -> None:
    await model.apply(activated(2))
    await model.apply(subscriber(True, 1))
    await model.apply(user("user_activated", 3))
    await model.apply(user("user_suspended", 4))
    assert not await model.reaches(PAUL)
    await model.apply(user("user_activated", 3))
    assert not await model.reaches(PAUL)


async def test_a_dead_lettered_access_event_closes_the_client_until_it_is_applied(
    model: Model,
) -> None:
    await model.apply(activated(2))
    assert await model.reaches(ADMIN)
    letter = DeadLetter(
        group="tests.access", topic=mandates_v1.MANDATE, partition=0, offset=7, key=CLIENT,
        event_id="ended-3", event_type=mandates_v1.MandateEndedV1.event_type, error="x",
        error_type="ValueError", attempts=5, dlq_topic="d", at=NOW,
    )  # fmt: skip
    await Quarantine(model.engine, model.tables)(letter)  # type: ignore[arg-type]
    assert not await model.reaches(ADMIN)  # fail closed: the ending may be in the letter
    agent = Principal(subject="ops", actor="agent", rights=frozenset())
    assert await model.reaches(agent)
    await model.apply(ended(3), event_id="ended-3")  # the operator's replay applies it
    assert not await model.reaches(ADMIN)
    await model.apply(activated(1, mandate="m-2"))
    assert await model.reaches(ADMIN)  # the quarantine was lifted with its event


async def test_the_users_reaching_a_client_are_the_live_subscribers_of_its_mandate(
    model: Model,
) -> None:
    async def reaching() -> list[str]:
        async with session_factory(model.engine)() as session:
            return await DelegatedAccess(session, model.tables).reaching(CLIENT)  # type: ignore[arg-type]

    assert await reaching() == []
    await model.apply(subscriber(True, 1))
    assert await reaching() == []  # a subscription without a mandate reaches nothing
    await model.apply(activated(2))
    assert await reaching() == [USER]
    await model.apply(user("user_suspended", 3))
    assert await reaching() == []
    await model.apply(user("user_activated", 4))
    assert await reaching() == [USER]
    await model.apply(ended(3))
    assert await reaching() == []
