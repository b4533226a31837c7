"""The worker's batch consumers on a real database (SQLite and PostgreSQL): the events of one
fetch planned in one transaction, each once, and the registry's copy kept newest-first; then
the dispatcher sends the letters of a whole claim with the addresses read once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from contracts.mandates import v1 as mandates_v1
from notifications.adapters import orm
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications_events import NOW, affiliate, incoming
from servicekit.sealing import generate_keypair, seal
from sqlalchemy import Table, func, select

PRIVATE_KEY, PUBLIC_KEY = generate_keypair()


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[NotificationsApp]:
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=PRIVATE_KEY, letters_dir=str(tmp_path)
    )
    application = bootstrap(settings)
    await application.migrate()
    try:
        yield application
    finally:
        await application.stop()


def _key_issued(n: int) -> mandates_v1.MandateKeyIssuedV1:
    return mandates_v1.MandateKeyIssuedV1(
        mandate_id=f"m{n}",
        affiliate_id=f"aff-{n}",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        sealed_key=seal(PUBLIC_KEY, "7KQ4-M9XP-2HWN-3RTV-C"),
        reference=f"MND-{n}",
        issued_at=NOW,
    )


async def _count(app: NotificationsApp, table: Table) -> int:
    async with app.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_fetch_is_planned_once_even_when_replayed_in_a_later_fetch(
    app: NotificationsApp,
) -> None:
    first = [incoming(_key_issued(n)) for n in range(3)]
    later = incoming(_key_issued(3))
    await app.on_events(first)
    await app.on_events([first[1], later, first[1]])

    assert await _count(app, orm.deliveries) == 4
    async with app.sessions() as session:
        inbox = (await session.execute(select(orm.inbox.c.event_id))).scalars().all()
    assert sorted(inbox) == sorted(e.envelope.id for e in [*first, later])


async def test_an_older_registry_event_never_overwrites_a_newer_address(
    app: NotificationsApp,
) -> None:
    newer = incoming(affiliate("aff-1", email="nouveau@dupont.fr"))
    older = incoming(affiliate("aff-1", email="ancien@dupont.fr"))
    day_before = older.envelope.model_copy(update={"time": NOW - timedelta(days=1)})
    older = replace(older, envelope=day_before)
    await app.on_affiliates([newer])
    await app.on_affiliates([older, incoming(affiliate("aff-2"))])

    async with app.sessions() as session:
        query = select(orm.affiliates.c.affiliate_id, orm.affiliates.c.email)
        rows = {r.affiliate_id: r.email for r in await session.execute(query)}
    assert rows == {"aff-1": "nouveau@dupont.fr", "aff-2": "jean@dupont.fr"}


async def test_a_claimed_batch_of_letters_is_sent_to_each_registry_address(
    app: NotificationsApp, tmp_path: Path
) -> None:
    await app.on_affiliates([incoming(affiliate(f"aff-{n}")) for n in range(5)])
    await app.on_events([incoming(_key_issued(n)) for n in range(6)])  # aff-5 unknown

    assert await app.dispatch() == 6

    async with app.sessions() as session:
        query = select(orm.deliveries.c.id, orm.deliveries.c.state, orm.deliveries.c.last_error)
        rows = (await session.execute(query)).all()
    sent = sorted(r.id for r in rows if r.state == "sent")
    [waiting] = [r for r in rows if r.state != "sent"]
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == sent
    assert len(sent) == 5
    assert waiting.state == "pending"  # tried again once the registry knows aff-5
    assert "aff-5" in waiting.last_error
