"""cotisations' HTTP API over a real database, with a clock the test moves, tokens it signs and
its outbox to read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from contracts.base import EventPayload
from cotisations.adapters import orm
from cotisations.bootstrap import CotisationsApp, bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import AUDIENCE, create_app
from cotisations_samples import NOW, event, token
from servicekit.clock import FakeClock
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import verifier
from sqlalchemy import select


class Api:
    def __init__(self, client: httpx.AsyncClient, app: CotisationsApp, clock: FakeClock) -> None:
        self.client, self.app, self.clock = client, app, clock

    def headers(self, actor: str, subject: str, **claims: Any) -> dict[str, str]:
        return token(actor, subject, exp_at=self.clock.now(), **claims)

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.app.engine.connect() as conn:
            rows = (await conn.execute(select(orm.outbox.c.event_type, orm.outbox.c.payload))).all()
        return [(r.event_type, json.loads(r.payload)) for r in rows]


TAKEN_OVER = datetime(2026, 1, 2, 9, tzinfo=UTC)


@asynccontextmanager
async def running_api(database_url: str, *registry: EventPayload) -> AsyncIterator[Api]:
    """The api on ``database_url``, the registry's ``registry`` events consumed first, on
    ``TAKEN_OVER`` (the accounts' ledgers call from then: the year's first instalments too)."""
    clock = FakeClock(TAKEN_OVER)
    app = bootstrap(CotisationsSettings(database_url=database_url), clock=clock)

    fastapi_app = create_app(app, verifier=verifier(clock, audience=AUDIENCE))
    async with LifespanManager(fastapi_app):
        for payload in registry:
            await app.on_affiliate(event(payload))
        clock.set(NOW)
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
            yield Api(client, app, clock)
