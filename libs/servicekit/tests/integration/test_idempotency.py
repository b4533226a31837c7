"""``Idempotency-Key`` on a real database: a retried creation has no second effect, a reused
key with another body is refused, a key still running is refused, a failure can be retried,
and the OpenAPI documents the header."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from servicekit.clock import FakeClock
from servicekit.db import create_engine
from servicekit.http import create_http_app
from servicekit.idempotency import IdempotencyStore
from servicekit.tables import messaging_tables
from sqlalchemy import MetaData

NOW = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


class ThingCreate(BaseModel):
    name: str


@dataclass
class Things:
    client: httpx.AsyncClient
    created: list[str] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    fail_next: bool = False


@pytest.fixture
async def things(database_url: str) -> AsyncIterator[Things]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    router = APIRouter()
    state = Things(client=None)  # type: ignore[arg-type]
    state.gate.set()

    @router.post("/v1/things", status_code=201)
    async def create(body: ThingCreate) -> dict[str, object]:
        state.entered.set()
        await state.gate.wait()
        if state.fail_next:
            state.fail_next = False
            raise RuntimeError("the database went away")
        state.created.append(body.name)
        return {"id": len(state.created), "name": body.name}

    @router.post("/v1/imports")
    async def imports() -> dict[str, str]:
        return {"handled": "by the route itself"}

    app = create_http_app(
        service="t",
        title="t",
        description="t",
        routers=[router],
        checks=[],
        idempotency=IdempotencyStore(
            engine, tables.idempotency, FakeClock(NOW), timedelta(hours=24)
        ),
        idempotency_exclude=[r"^/v1/imports$"],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        state.client = client
        yield state
    await engine.dispose()


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value, "Authorization": "Bearer caller-1"}


async def test_a_retried_creation_gets_the_first_answer_and_creates_nothing_more(
    things: Things,
) -> None:
    first = await things.client.post("/v1/things", json={"name": "a"}, headers=_key("k-1"))
    again = await things.client.post("/v1/things", json={"name": "a"}, headers=_key("k-1"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert things.created == ["a"]
    # another caller's key of the same name is another request
    other = {"Idempotency-Key": "k-1", "Authorization": "Bearer caller-2"}
    assert (await things.client.post("/v1/things", json={"name": "a"}, headers=other)).json()[
        "id"
    ] == 2


async def test_a_key_reused_for_another_body_is_refused_in_french(things: Things) -> None:
    await things.client.post("/v1/things", json={"name": "a"}, headers=_key("k-2"))
    reused = await things.client.post("/v1/things", json={"name": "b"}, headers=_key("k-2"))
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("idempotency-key-reused")
    assert "déjà servi" in reused.json()["detail"]
    assert things.created == ["a"]


async def test_a_key_still_running_is_refused_and_a_failure_can_be_retried(
    things: Things,
) -> None:
    things.gate.clear()
    things.entered.clear()
    running = asyncio.create_task(
        things.client.post("/v1/things", json={"name": "slow"}, headers=_key("k-3"))
    )
    await asyncio.wait_for(things.entered.wait(), timeout=10)  # it holds its key
    concurrent = await things.client.post("/v1/things", json={"name": "slow"}, headers=_key("k-3"))
    assert concurrent.status_code == 409
    assert concurrent.json()["type"].endswith("idempotency-key-in-use")
    things.gate.set()
    assert (await running).status_code == 201
    things.fail_next = True
    failed = await things.client.post("/v1/things", json={"name": "c"}, headers=_key("k-4"))
    assert failed.status_code == 500
    retried = await things.client.post("/v1/things", json={"name": "c"}, headers=_key("k-4"))
    assert retried.status_code == 201
    assert things.created == ["slow", "c"]


async def test_a_malformed_key_is_refused_and_an_excluded_path_handles_its_own(
    things: Things,
) -> None:
    bad = await things.client.post("/v1/things", json={"name": "a"}, headers=_key("x" * 101))
    assert bad.status_code == 422
    own = await things.client.post("/v1/imports", headers=_key("k-5"))
    assert own.json() == {"handled": "by the route itself"}
    document = (await things.client.get("/openapi.json")).json()
    names = [p["name"] for p in document["paths"]["/v1/things"]["post"]["parameters"]]
    assert names == ["Idempotency-Key"]
    assert "parameters" not in document["paths"]["/v1/imports"]["post"]


async def test_the_answer_leaves_only_once_it_is_kept(database_url: str) -> None:
    """A client that retries the instant it has the first answer must get it again: the
    answer is kept (``finish``) before its first byte is sent, not after."""
    metadata = MetaData()
    tables = messaging_tables(metadata)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    order: list[str] = []

    class Recording(IdempotencyStore):
        async def finish(self, scope: str, status: int, body: bytes) -> None:
            await super().finish(scope, status, body)
            order.append("kept")

    router = APIRouter()

    @router.post("/v1/things", status_code=201)
    async def create(body: ThingCreate) -> dict[str, str]:
        return {"name": body.name}

    app = create_http_app(
        service="t",
        title="t",
        description="t",
        routers=[router],
        checks=[],
        idempotency=Recording(engine, tables.idempotency, FakeClock(NOW), timedelta(hours=24)),
    )
    body = b'{"name": "a"}'
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/things",
        "raw_path": b"/v1/things",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"idempotency-key", b"k-kept"),
            (b"authorization", b"Bearer caller-1"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
    }
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        order.append(str(message["type"]))

    await app(scope, receive, send)
    await engine.dispose()
    assert order[0] == "kept", order
    assert "http.response.start" in order
