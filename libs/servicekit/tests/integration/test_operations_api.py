"""The operators' routes every api serves, on a real database: agents only, pages that follow
one another to the last item, parked rows retried or discarded once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from servicekit.auth import audience_of
from servicekit.clock import FakeClock
from servicekit.db import create_engine
from servicekit.fastapi_auth import bearer_principal
from servicekit.operations.http import operator_router
from servicekit.problems import install_problem_handlers
from servicekit.tables import OUTBOX_PARKED, OUTBOX_PUBLISHED, messaging_tables
from servicekit.testing.tokens import bearer, verifier
from sqlalchemy import MetaData, insert

NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
AGENT = bearer("agent", "ops-1")


@dataclass
class Ops:
    client: httpx.AsyncClient

    async def pages(self, path: str, **params: Any) -> list[list[int]]:
        """Every page of a list, following ``next_cursor``."""
        pages: list[list[int]] = []
        cursor: str | None = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            resp = await self.client.get(path, params=query, headers=AGENT)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            key = "dead_letter_id" if "dead-letters" in path else "row_id"
            pages.append([item[key] for item in body["items"]])
            cursor = body["next_cursor"]
            if cursor is None:
                return pages


@pytest.fixture
async def ops(database_url: str) -> AsyncIterator[Ops]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for n in range(5):
            await conn.execute(
                insert(tables.dead_letters).values(
                    consumer_group="svc.things", topic="t", partition=0, offset=n, key="k",
                    event_id=f"e{n}", event_type="x.y.z.v1", error="ValueError at x.py:1",
                    error_type="ValueError", attempts=5, dlq_topic="t.svc.dlq",
                    dead_lettered_at=NOW,
                )
            )  # fmt: skip
        for n, state in enumerate([OUTBOX_PARKED] * 3 + [OUTBOX_PUBLISHED]):
            await conn.execute(
                insert(tables.outbox).values(
                    event_id=f"o{n}", topic="t", key="k", event_type="x.y.z.v1", headers="{}",
                    payload="{}", state=state, attempts=5, created_at=NOW, last_error="too big",
                )
            )  # fmt: skip
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        operator_router(
            service="svc",
            engine=engine,
            tables=tables,
            consumed_topics={"t"},
            clock=FakeClock(NOW),
            principal=bearer_principal(verifier(audience=audience_of("mandates"))),
        )
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ops"
        ) as client:
            yield Ops(client)
    finally:
        await engine.dispose()


async def test_only_agents_reach_the_operators_routes(ops: Ops) -> None:
    assert (await ops.client.get("/v1/operator/dead-letters")).status_code == 401
    firm = bearer("cabinet_user", "u-1", cab="c-1", rights=["admin"])
    refused = await ops.client.get("/v1/operator/dead-letters", headers=firm)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("actor-not-allowed")


async def test_more_dead_letters_and_parked_rows_than_one_page_are_listed_to_the_last(
    ops: Ops,
) -> None:
    letters = await ops.pages("/v1/operator/dead-letters", limit=2)
    assert letters == [[1, 2], [3, 4], [5]]
    parked = await ops.pages("/v1/operator/outbox", state="parked", limit=3)
    assert parked == [[1, 2, 3], []]


async def test_a_parked_row_is_retried_or_discarded_once(ops: Ops) -> None:
    retried = await ops.client.post("/v1/operator/outbox/1/retry", headers=AGENT)
    assert (retried.status_code, retried.json()["state"], retried.json()["attempts"]) == (
        200,
        "pending",
        0,
    )
    discarded = await ops.client.post("/v1/operator/outbox/2/discard", headers=AGENT)
    assert discarded.json()["state"] == "discarded"
    again = await ops.client.post("/v1/operator/outbox/2/retry", headers=AGENT)
    assert again.status_code == 409
    assert "n'est pas mis en attente" in again.json()["detail"]
    unknown = await ops.client.post("/v1/operator/outbox/99/discard", headers=AGENT)
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("outbox-row-not-found")
    assert await ops.pages("/v1/operator/outbox", state="parked") == [[3]]
