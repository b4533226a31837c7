"""Over HTTP on a real database (SQLite and PostgreSQL): every mandate and portfolio event
carries its aggregate's version after the change, as stored; the migrations build the
schema the tables declare (a portfolio of before the versions starts at 1); the OpenAPI
document describes the import's body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from mandates.adapters import orm
from mandates.bootstrap import MIGRATIONS
from mandates.domain import keys
from mandates.domain.sheets import XLSX_CONTENT_TYPE
from mandates_world import SIRET_OK, World, admin_headers, affiliate, world
from servicekit.db import create_engine
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.engine import Connection

CAB = "cab-1"
HEADERS = admin_headers(CAB, "adm-1")


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as built:
        await built.firm(CAB, "adm-1")
        await built.collaborator(CAB, "col-1", ["clients", "read"])
        await built.feed(affiliate("aff-1", "732829320"))
        yield built


async def _stored_version(w: World, table: str, row_id: str) -> int:
    t = getattr(orm, table)
    async with w.app.sessions() as session:
        return int(
            (await session.execute(select(t.c.version).where(t.c.id == row_id))).scalar_one()
        )


async def test_each_change_of_a_mandate_is_one_more_version_published_and_stored(
    w: World,
) -> None:
    url = f"/v1/cabinets/{CAB}/clients"
    added = await w.client.post(url, json={"identifier": SIRET_OK, "name": "D"}, headers=HEADERS)
    client_id = added.json()["id"]
    wrong = await w.client.post(
        f"{url}/{client_id}/activation", json={"key": keys.new_key()}, headers=HEADERS
    )
    assert wrong.status_code == 422
    assert (await w.client.post(f"{url}/{client_id}/key", headers=HEADERS)).status_code == 202
    key = await w.key_of(client_id)
    activated = await w.client.post(
        f"{url}/{client_id}/activation", json={"key": key}, headers=HEADERS
    )
    assert activated.status_code == 200
    assert (await w.client.delete(f"{url}/{client_id}", headers=HEADERS)).status_code == 204

    issued = [e["version"] for e in await w.events("mandates.mandate.key_issued.v1")]
    [active] = await w.events("mandates.mandate.activated.v1")
    [ended] = await w.events("mandates.mandate.ended.v1")
    assert (issued, active["version"], ended["version"]) == ([1, 3], 4, 5)
    assert await _stored_version(w, "mandates", client_id) == 5


async def test_each_change_of_a_portfolio_is_one_more_version_published_and_stored(
    w: World,
) -> None:
    url = f"/v1/cabinets/{CAB}/portfolios"
    [default] = await w.events("mandates.portfolio.created.v1")
    assert default["version"] == 1
    lyon = (await w.client.post(url, json={"name": "Lyon"}, headers=HEADERS)).json()["id"]
    await w.client.patch(f"{url}/{lyon}", json={"name": "Lyon Sud"}, headers=HEADERS)
    await w.client.put(f"{url}/{lyon}/subscribers/col-1", headers=HEADERS)
    await w.client.delete(f"{url}/{lyon}/subscribers/col-1", headers=HEADERS)
    assert await _stored_version(w, "portfolios", lyon) == 4
    await w.client.delete(f"{url}/{lyon}", headers=HEADERS)

    published = [
        (kind, e["version"])
        for kind in ("created", "renamed", "subscriber_added", "subscriber_removed", "deleted")
        for e in await w.events(f"mandates.portfolio.{kind}.v1")
        if e["portfolio_id"] == lyon
    ]
    assert published == [
        ("created", 1),
        ("renamed", 2),
        ("subscriber_added", 3),
        ("subscriber_removed", 4),
        ("deleted", 5),
    ]


def _alembic(connection: Connection, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


# portfolios as revision 0001 made them (no version yet)
_PORTFOLIOS_0001 = Table(
    "portfolios",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("cabinet_id", String(64)),
    Column("name", String(120)),
    Column("owner_account_id", String(64)),
    Column("is_default", Boolean),
    Column("created_at", DateTime(timezone=True)),
)


async def test_a_portfolio_of_before_the_versions_starts_at_1_and_the_schema_matches(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_alembic, "0001")
            await conn.execute(
                insert(_PORTFOLIOS_0001).values(
                    id="p-old",
                    cabinet_id="cab-1",
                    name="Cabinet Martin",
                    owner_account_id="adm-1",
                    is_default=True,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        async with engine.begin() as conn:
            await conn.run_sync(_alembic, "head")
            p = orm.portfolios
            found = await conn.execute(select(p.c.version).where(p.c.id == "p-old"))
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), orm.metadata)
            )
    finally:
        await engine.dispose()
    assert found.scalar_one() == 1
    assert diffs == []


# mandate_history as revisions 0001 to 0004 made it (no actor yet)
_HISTORY_0004 = Table(
    "mandate_history",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mandate_id", String(36)),
    Column("at", DateTime(timezone=True)),
    Column("transition", String(30)),
    Column("detail", String(200)),
)


async def test_the_transitions_of_before_get_the_actor_they_imply(database_url: str) -> None:
    engine = create_engine(database_url)
    old = [
        ("requested", ""),
        ("letter_sent", "posted"),
        ("locked", "5 clés erronées"),
        ("key_reissued", ""),
        ("activated", ""),
        ("moved", ""),
        ("ended", "client"),
        ("ended", "cabinet"),
        ("ended", "replacement"),
        ("deleted", ""),
        ("deleted", "registry"),
    ]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_alembic, "0004")
            await conn.execute(
                insert(_HISTORY_0004),
                [{"mandate_id": "m-1", "at": at, "transition": t, "detail": d} for t, d in old],
            )
        async with engine.begin() as conn:
            await conn.run_sync(_alembic, "head")
            h = orm.mandate_history
            found = (await conn.execute(select(h.c.actor).order_by(h.c.id))).scalars().all()
    finally:
        await engine.dispose()
    assert found == [
        "firm",
        "system",
        "system",
        "firm",
        "firm",
        "firm",
        "assure",
        "firm",
        "system",
        "firm",
        "system",
    ]


async def test_the_openapi_document_describes_every_request_body(w: World) -> None:
    document = (await w.client.get("/openapi.json")).json()
    imports = document["paths"]["/v1/cabinets/{cabinet_id}/imports"]["post"]["requestBody"]
    assert imports["required"] is True
    assert {"text/csv", XLSX_CONTENT_TYPE} <= set(imports["content"])
    bodiless = {  # the writes named by their path alone
        ("post", "/v1/cabinets/{cabinet_id}/clients/{client_id}/key"),
        ("put", "/v1/cabinets/{cabinet_id}/portfolios/{portfolio_id}/subscribers/{account_id}"),
        ("post", "/v1/operator/outbox/{row_id}/retry"),
        ("post", "/v1/operator/outbox/{row_id}/discard"),
    }
    missing = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch")
        and "requestBody" not in operation
        and (method, path) not in bodiless
    ]
    assert missing == []
