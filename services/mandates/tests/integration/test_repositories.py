"""One suite for the repositories, run against the fakes and against SQLite and PostgreSQL, so
that the fakes the unit tests use keep behaving like the real adapters: versions, the
optimistic check, the uniqueness rules, subscribers, history, isolation until commit."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from mandates.adapters import orm
from mandates.bootstrap import bootstrap
from mandates.config import MandatesSettings
from mandates.domain import errors, keys
from mandates.domain.directory import Affiliate
from mandates.domain.model import Mandate
from mandates.domain.portfolios import Portfolio
from mandates_fakes import FakeDatabase, FakeMandatesUow
from servicekit.sealing import generate_keypair
from sqlalchemy import update

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Uow = Any  # MandatesSqlUnitOfWork or FakeMandatesUow: the same port


@dataclasses.dataclass
class Backend:
    name: str
    new_uow: Callable[[], Uow]

    async def changed_elsewhere(self, uow: Uow, table: str, row_id: str) -> None:
        """Another transaction's change to the row, committed since ``uow`` read it."""
        if isinstance(uow, FakeMandatesUow):
            rows = uow.db.state.table(table)
            rows[row_id] = dataclasses.replace(rows[row_id], version=rows[row_id].version + 1)
            return
        t = getattr(orm, table)
        await uow.session.execute(update(t).where(t.c.id == row_id).values(version=t.c.version + 1))


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


async def _backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    if request.param == "fake":
        yield Backend("fake", FakeDatabase().uow)
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'repos.db'}"
    else:
        url = await request.getfixturevalue("postgres_database_factory")()
    _, public = generate_keypair()
    app = bootstrap(MandatesSettings(database_url=url, notifications_public_key=public))
    await app.migrate()
    yield Backend(request.param, app.new_uow)
    await app.stop()


@pytest.fixture(params=["fake", "sqlite", POSTGRES])
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    async for built in _backend(request, tmp_path_factory):
        yield built


@pytest.fixture(params=["fake", POSTGRES])
async def concurrent(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    """Two write transactions open at once. SQLite runs one at a time (the second waits for
    the first to end), so the interleaving runs on the fake and on PostgreSQL."""
    async for built in _backend(request, tmp_path_factory):
        yield built


def _request(cabinet_id: str = "cab-1", affiliate_id: str = "aff-1") -> Mandate:
    mandate = Mandate.request(
        mandate_id=f"m-{cabinet_id}-{affiliate_id}",
        cabinet_id=cabinet_id,
        affiliate=Affiliate(affiliate_id, "732829320", "Jean Dupont", radiated=False, consent=True),
        siren="732829320",
        client_name="Dupont",
        portfolio_id="p-1",
        key=keys.new_key(),
        key_event_id=f"ev-{cabinet_id}-{affiliate_id}",
        now=NOW,
    )
    mandate.events.clear()
    return mandate


async def _stored(backend: Backend, mandate: Mandate) -> None:
    async with backend.new_uow() as uow:
        await uow.mandates.add(mandate)
        await uow.commit()


async def test_a_mandate_keeps_its_version_and_its_history_across_saves(
    backend: Backend,
) -> None:
    await _stored(backend, _request())
    async with backend.new_uow() as uow:
        mandate = await uow.mandates.get("m-cab-1-aff-1")
        mandate.reissue(keys.new_key(), "ev-2", NOW)
        await uow.mandates.save(mandate)
        assert mandate.history == []  # written, then cleared
        await uow.commit()
    async with backend.new_uow() as uow:
        again = await uow.mandates.by_key_event("ev-2")
        history = await uow.mandates.history("m-cab-1-aff-1")
    assert (again.version, again.state, again.key_event_id) == (2, "requested", "ev-2")
    assert [h.transition for h in history] == ["requested", "key_reissued"]


async def test_what_is_not_committed_is_not_kept(backend: Backend) -> None:
    async with backend.new_uow() as uow:
        await uow.mandates.add(_request())
    async with backend.new_uow() as uow:
        assert await uow.mandates.get("m-cab-1-aff-1") is None


async def test_a_save_over_a_version_changed_since_the_read_is_a_conflict(
    backend: Backend,
) -> None:
    await _stored(backend, _request())
    async with backend.new_uow() as uow:
        mandate = await uow.mandates.get("m-cab-1-aff-1")
        await backend.changed_elsewhere(uow, "mandates", mandate.id)
        mandate.delete(NOW, actor="adm-1")
        with pytest.raises(errors.MandateVersionConflict):
            await uow.mandates.save(mandate)


async def test_of_two_transactions_that_read_the_same_version_the_second_save_loses(
    concurrent: Backend,
) -> None:
    await _stored(concurrent, _request())
    first, second = concurrent.new_uow(), concurrent.new_uow()
    async with first, second:
        ours = await first.mandates.get("m-cab-1-aff-1")
        theirs = await second.mandates.get("m-cab-1-aff-1")
        ours.delete(NOW, actor="adm-1")
        await first.mandates.save(ours)
        await first.commit()
        theirs.reissue(keys.new_key(), "ev-2", NOW)
        with pytest.raises(errors.MandateVersionConflict):
            await second.mandates.save(theirs)
    async with concurrent.new_uow() as uow:
        kept = await uow.mandates.get("m-cab-1-aff-1")
    assert (kept.state, kept.version) == ("deleted", 2)


async def test_a_second_open_request_of_a_firm_for_the_same_client_is_refused(
    backend: Backend,
) -> None:
    await _stored(backend, _request())
    twin = dataclasses.replace(_request(), id="m-twin", key_event_id="ev-twin")
    async with backend.new_uow() as uow:
        with pytest.raises(errors.ClientWriteConflict):
            await uow.mandates.add(twin)


async def test_a_second_active_mandate_for_the_same_client_is_refused(backend: Backend) -> None:
    ours, theirs = _request("cab-1"), _request("cab-2")
    ours.state = theirs.state = "active"
    await _stored(backend, ours)
    async with backend.new_uow() as uow:
        with pytest.raises(errors.ClientWriteConflict):
            await uow.mandates.add(theirs)


async def test_a_portfolio_keeps_its_subscribers_and_its_version(backend: Backend) -> None:
    portfolio = Portfolio.create(
        portfolio_id="p-1", cabinet_id="cab-1", name="Lyon", owner_account_id="adm-1",
        now=NOW, actor="adm-1",
    )  # fmt: skip
    portfolio.subscribe("col-1", "Paul", NOW, "adm-1")
    async with backend.new_uow() as uow:
        await uow.portfolios.add(portfolio)
        await uow.commit()
    async with backend.new_uow() as uow:
        p = await uow.portfolios.get("cab-1", "p-1")
        assert (p.version, p.subscribers) == (2, {"col-1"})
        p.subscribe("col-2", "Anne", NOW, "adm-1")
        p.unsubscribe("col-1", "Paul", NOW, "adm-1")
        await uow.portfolios.save(p)
        assert await uow.portfolios.subscribers("p-1") == ["col-2"]
        await uow.commit()
    async with backend.new_uow() as uow:
        [p] = await uow.portfolios.of_cabinet("cab-1")
        assert (p.version, p.subscribers) == (4, {"col-2"})
        assert await uow.portfolios.subscribed_by("col-2") == ["p-1"]
        assert await uow.portfolios.get("cab-2", "p-1") is None


async def test_a_portfolio_saved_or_removed_over_a_changed_version_is_a_conflict(
    backend: Backend,
) -> None:
    portfolio = Portfolio.create(
        portfolio_id="p-1", cabinet_id="cab-1", name="Lyon", owner_account_id="adm-1",
        now=NOW, actor="adm-1",
    )  # fmt: skip
    async with backend.new_uow() as uow:
        await uow.portfolios.add(portfolio)
        await uow.commit()
    async with backend.new_uow() as uow:
        p = await uow.portfolios.get("cab-1", "p-1")
        await backend.changed_elsewhere(uow, "portfolios", p.id)
        p.rename("Lyon Sud", NOW, "adm-1")
        with pytest.raises(errors.PortfolioVersionConflict):
            await uow.portfolios.save(p)
    async with backend.new_uow() as uow:
        p = await uow.portfolios.get("cab-1", "p-1")
        await backend.changed_elsewhere(uow, "portfolios", p.id)
        with pytest.raises(errors.PortfolioVersionConflict):
            await uow.portfolios.remove(p)
