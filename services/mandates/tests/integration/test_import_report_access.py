"""An import's report lists clients: it is read only by who sees those clients (an
administrator, or a collaborator subscribed to the portfolio they are in), as a client's page
is; anyone else in the firm gets the same 404 as for an import that does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from mandates_world import World, admin_headers, affiliate, user_headers, world

CAB = "cab-1"
ADMIN = admin_headers(CAB, "adm-1")
LYON_COLLAB = user_headers(CAB, "col-lyon", ["clients", "read"])
OTHER_COLLAB = user_headers(CAB, "col-other", ["clients", "read"])
NO_PORTFOLIO = user_headers(CAB, "col-none", ["clients", "read"])
CSV = "text/csv"
SHEET = b"siret,nom\n73282932000074,Dupont\n55210055400013,Durand\n"


@dataclass
class Imported:
    w: World
    url: str
    lyon: str
    default: str


@pytest.fixture
async def imported(database_url: str) -> AsyncIterator[Imported]:
    async with world(database_url) as w:
        await w.firm(CAB, "adm-1")
        await w.feed(affiliate("aff-1", "732829320"))
        await w.feed(affiliate("aff-2", "552100554"))
        for account in ("col-lyon", "col-other", "col-none"):
            await w.collaborator(CAB, account, ["clients", "read"])
        [default] = (await w.client.get(f"/v1/cabinets/{CAB}/portfolios", headers=ADMIN)).json()
        lyon = (
            await w.client.post(
                f"/v1/cabinets/{CAB}/portfolios", json={"name": "Lyon"}, headers=ADMIN
            )
        ).json()["id"]
        for portfolio, account in ((lyon, "col-lyon"), (default["id"], "col-other")):
            put = await w.client.put(
                f"/v1/cabinets/{CAB}/portfolios/{portfolio}/subscribers/{account}", headers=ADMIN
            )
            assert put.status_code == 204
        resp = await w.client.post(
            f"/v1/cabinets/{CAB}/imports",
            params={"portfolio_id": lyon},
            content=SHEET,
            headers={**ADMIN, "Content-Type": CSV},
        )
        assert resp.status_code == 201, resp.text
        url = f"/v1/cabinets/{CAB}/imports/{resp.json()['import_id']}"
        yield Imported(w, url, lyon, default["id"])


async def test_the_administrator_and_the_portfolios_subscriber_read_the_report(
    imported: Imported,
) -> None:
    for headers in (ADMIN, LYON_COLLAB):
        resp = await imported.w.client.get(imported.url, headers=headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["added"] == 2


@pytest.mark.parametrize("headers", [OTHER_COLLAB, NO_PORTFOLIO], ids=["other", "none"])
async def test_a_collaborator_who_does_not_see_its_clients_gets_a_404(
    imported: Imported, headers: dict[str, str]
) -> None:
    resp = await imported.w.client.get(imported.url, headers=headers)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["detail"] == "Cet import est introuvable."
    assert "rows" not in resp.json()


async def test_clients_moved_out_of_sight_take_the_report_with_them(imported: Imported) -> None:
    w = imported.w
    report = (await w.client.get(imported.url, headers=ADMIN)).json()
    client_id = report["rows"][0]["client_id"]
    moved = await w.client.post(
        f"/v1/cabinets/{CAB}/clients/{client_id}/move",
        json={"portfolio_id": imported.default},
        headers=ADMIN,
    )
    assert moved.status_code == 200, moved.text
    assert (await w.client.get(imported.url, headers=LYON_COLLAB)).status_code == 404
    assert (await w.client.get(imported.url, headers=ADMIN)).status_code == 200


async def test_sending_again_an_import_one_does_not_see_does_not_give_its_report(
    imported: Imported,
) -> None:
    resp = await imported.w.client.post(
        f"/v1/cabinets/{CAB}/imports",
        content=SHEET,
        headers={**OTHER_COLLAB, "Content-Type": CSV},
    )
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    assert "rows" not in resp.json()
    assert "Idempotency-Key" in resp.json()["detail"]
