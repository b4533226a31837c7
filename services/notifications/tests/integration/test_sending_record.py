"""Recording a sending on a real database (SQLite and PostgreSQL): the sent state is written
before the hand-over and committed on acceptance; a refusal leaves no trace of a sending."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from contracts.mandates import v1 as mandates_v1
from contracts.notifications.v1 import MessageSentV1
from notifications.adapters import orm
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.errors import DeliveryFailed
from notifications.service_layer import consumers
from notifications.service_layer.ports import OutgoingEmail
from notifications_events import PORTFOLIO, incoming
from servicekit.db import is_sqlite
from servicekit.sealing import generate_keypair
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine


class ProbingEmail:
    """An SMTP server stand-in that, while it holds the message, checks from another
    connection whether the delivery's row is already held by the sender's transaction."""

    def __init__(self, database_url: str, accept: bool) -> None:
        self.database_url = database_url
        self.accept = accept
        self.row_was_held: list[bool] = []
        self.sent: list[OutgoingEmail] = []

    async def send(self, email: OutgoingEmail) -> None:
        self.row_was_held.append(await self._row_held())
        if not self.accept:
            raise DeliveryFailed("SMTP 451: try again later", permanent=False)
        self.sent.append(email)

    async def _row_held(self) -> bool:
        if is_sqlite(self.database_url):
            path = self.database_url.split("///", 1)[1]
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                return "locked" in str(exc)
            else:
                conn.execute("ROLLBACK")
                return False
            finally:
                conn.close()
        engine = create_async_engine(self.database_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SET lock_timeout = '100ms'"))
                await conn.execute(select(orm.deliveries.c.id).with_for_update(nowait=True))
        except DBAPIError:
            return True
        finally:
            await engine.dispose()
        return False


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[NotificationsApp]:
    private, _ = generate_keypair()
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=private, letters_dir=str(tmp_path)
    )
    application = bootstrap(settings)
    await application.migrate()
    await consumers.plan_deliveries(
        incoming(mandates_v1.PortfolioCreatedV1(**PORTFOLIO)),
        application.new_uow(),
        application.deps,
    )
    try:
        yield application
    finally:
        await application.stop()


async def _states(app: NotificationsApp) -> list[tuple[str, int]]:
    async with app.sessions() as session:
        rows = await session.execute(select(orm.deliveries.c.state, orm.deliveries.c.attempts))
        return [(r.state, r.attempts) for r in rows]


async def _sent_events(app: NotificationsApp) -> int:
    async with app.sessions() as session:
        query = select(func.count()).where(orm.outbox.c.event_type == MessageSentV1.event_type)
        return int((await session.execute(query)).scalar_one())


async def test_the_sending_is_written_before_the_hand_over_and_committed_on_acceptance(
    app: NotificationsApp, database_url: str
) -> None:
    channel = ProbingEmail(database_url, accept=True)
    app.deps = replace(app.deps, email=channel)

    assert await app.dispatch() == 1

    assert channel.row_was_held == [True]
    assert [m.to for m in channel.sent] == ["paul@cabinet.fr"]
    assert await _states(app) == [("sent", 1)]
    assert await _sent_events(app) == 1


async def test_a_refused_hand_over_leaves_no_sending_recorded_and_is_retried(
    app: NotificationsApp, database_url: str
) -> None:
    app.deps = replace(app.deps, email=ProbingEmail(database_url, accept=False))

    assert await app.dispatch() == 1

    assert await _states(app) == [("pending", 1)]
    assert await _sent_events(app) == 0
