"""The reference data in the database (loaded from the packaged file, an agent's edit kept
until the file's version is higher, an event per change), the free-slot search (in order,
paginated with a cursor, across December and January with its holidays), and the schema the
migrations build."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from appointments.adapters import orm
from appointments.bootstrap import bootstrap
from appointments.domain import commands
from appointments.reference import load_packaged_document
from appointments_samples import Api, agent, running_api, settings
from servicekit.clock import FakeClock


def _db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/a.db"


async def _agency_events(api: Api) -> list[dict[str, object]]:
    return [p for k, p in await api.outbox() if k == "appointments.agency.changed.v1"]


async def test_the_packaged_agencies_are_loaded_once_with_an_event_each(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        loaded = await _agency_events(api)
        assert len(loaded) == len(load_packaged_document()["agencies"])
        assert await api.app.bus.handle(commands.LoadReference(load_packaged_document())) == 0
        regions = (await api.client.get("/v1/regions")).json()
        assert {"code": "GES", "name": "Grand Est"} in regions
        grand_est = (await api.client.get("/v1/regions/GES/agencies")).json()
        assert "agence-strasbourg" in [a["agency_id"] for a in grand_est]
        reasons = (await api.client.get("/v1/reasons")).json()
        assert any(r["reason_label"] == "Comprendre mon échéancier" for r in reasons)
        unknown = await api.client.get("/v1/regions/XX/agencies")
        assert (unknown.status_code, unknown.json()["detail"]) == (404, "Aucune région « XX ».")


async def test_an_agents_edit_stands_until_the_file_has_a_higher_version(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        record = next(
            a for a in load_packaged_document()["agencies"] if a["agency_id"] == "agence-metz"
        )
        edited = {**record, "default_capacity": 1, "name": "Agence de Metz-Centre"}
        made = await api.client.put("/v1/agencies/agence-metz", json=edited, headers=agent())
        assert made.status_code == 200, made.text
        assert (made.json()["name"], made.json()["version"]) == ("Agence de Metz-Centre", 2)
        same_file = load_packaged_document()
        assert await api.app.bus.handle(commands.LoadReference(same_file)) == 0
        newer = load_packaged_document()
        for a in newer["agencies"]:
            if a["agency_id"] == "agence-metz":
                a["version"] = 2
        assert await api.app.bus.handle(commands.LoadReference(newer)) == 1
        shown = (await api.client.get("/v1/agencies/agence-metz")).json()
        assert (shown["name"], shown["version"]) == (record["name"], 3)
        bad = await api.client.put(
            "/v1/agencies/agence-metz", json={**record, "slot_minutes": 7}, headers=agent()
        )
        assert bad.status_code == 422
        assert "multiple de 7 minutes" in bad.json()["detail"]


async def test_the_search_pages_through_december_and_january(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        api.clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
        seen: list[str] = []
        cursor = None
        for _ in range(30):
            url = "/v1/slots?agency_id=agence-strasbourg&to=2027-01-08&limit=50"
            page = (await api.client.get(url + (f"&cursor={cursor}" if cursor else ""))).json()
            seen += [s["starts_at"] for s in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen)
        assert len(seen) == len(set(seen))
        days = {s[:10] for s in seen}
        assert "2026-12-24" in days
        for holiday in ("2026-12-25", "2026-12-26", "2027-01-01"):
            assert holiday not in days  # 26 December: Alsace-Moselle
        assert seen[0] >= "2026-12-22T08:30"  # a day's notice
        assert seen[-1].startswith("2027-01-08")
        assert seen[0].endswith("+01:00")
        bad = await api.client.get("/v1/slots?agency_id=agence-strasbourg&cursor=%%%")
        assert bad.status_code == 422


async def test_a_region_search_merges_its_agencies_in_time_order(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        page = (await api.client.get("/v1/slots?region=GES&limit=40")).json()["items"]
        starts = [(s["starts_at"], s["agency_id"]) for s in page]
        assert starts == sorted(starts)
        assert len({s["agency_id"] for s in page}) > 1
        neither = await api.client.get("/v1/slots")
        assert neither.status_code == 422


async def test_the_migrations_build_the_declared_schema(database_url: str) -> None:
    app = bootstrap(settings(database_url), clock=FakeClock())
    try:
        await app.migrate()
        async with app.engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), orm.metadata)
            )
    finally:
        await app.stop()
    assert diffs == []
