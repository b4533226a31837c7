"""An agent loads pension payments from a CSV file: a report per row, in French, naming the
column; a payment already known changes nothing, one given other amounts is corrected; only
agents may."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from attestations_samples import NOW, Api, affiliate, assure, running_api
from servicekit.testing.tokens import bearer

AGENT = bearer("agent", "agent-1", exp_at=NOW)
CSV = (
    "pensioner_id;payment_id;period;paid_on;gross;net;taxable\n"
    "aff-3;p-1;2025-11;28/11/2025;1500,00;1350,00;1425,00\n"
    "aff-3;p-2;2025-13;28/12/2025;1500,00;1350,00;1425,00\n"
    "aff-3;p-3;2025-12;31/02/2025;1500,00;1350,00;1425,00\n"
    "aff-3;p-4;2025-12;2025-12-29;abc;1350,00;1425,00\n"
    "aff-3;p-1;2025-11;28/11/2025;1500,00;1350,00;1425,00\n"
    "=cmd();p-5;2025-12;2025-12-29;1;1;1\n"
    "aff-3;p-6;2025-12;2025-12-29;1500.00;1350.00;\n"
    "aff-3;p-7;2025-12;2025-12-29;1500.00;1350.00;1425.00\n"
)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(
        f"sqlite+aiosqlite:///{tmp_path}/a.db",
        tmp_path / "data",
        affiliate("aff-3", "retraite", birth_name="Durand"),
        pades=False,
    ) as api:
        yield api


async def _load(api: Api, body: bytes, headers: dict[str, str] = AGENT) -> list[dict[str, object]]:
    resp = await api.client.post(
        "/v1/pension-payments/imports",
        content=body,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert resp.status_code == 200, resp.text
    reports: list[dict[str, object]] = resp.json()
    return reports


async def test_each_row_is_reported_and_only_the_good_ones_are_kept(api: Api) -> None:
    reports = await _load(api, CSV.encode("cp1252"))
    by_row = {r["row"]: (r["status"], r["reason"]) for r in reports}
    assert by_row[2] == ("accepted", None)
    assert by_row[3][0] == "refused"
    assert "Colonne period" in str(by_row[3][1])
    assert "Colonne paid_on" in str(by_row[4][1])
    assert "Colonne gross" in str(by_row[5][1])
    assert by_row[6] == ("refused", "Paiement déjà présent à la ligne 2.")
    assert "formule" in str(by_row[7][1])
    assert by_row[8] == ("refused", "Colonne taxable : valeur obligatoire manquante.")
    assert by_row[9] == ("accepted", None)
    history = await api.client.get(
        "/v1/affiliates/aff-3/pension-payments", headers=assure("aff-3", "retraite")
    )
    assert [p["payment_id"] for p in history.json()["items"]] == ["p-7", "p-1"]
    again = await _load(api, CSV.encode())
    assert {r["row"]: r["status"] for r in again}[2] == "already"
    correction = CSV.splitlines()[0] + "\naff-3;p-1;2025-11;28/11/2025;1500,00;1340,00;1415,00\n"
    (fixed,) = await _load(api, correction.encode())
    assert (fixed["row"], fixed["status"]) == (2, "corrected")
    history = await api.client.get(
        "/v1/affiliates/aff-3/pension-payments", headers=assure("aff-3", "retraite")
    )
    (p1,) = [p for p in history.json()["items"] if p["payment_id"] == "p-1"]
    assert (p1["net"], p1["taxable"]) == ("1340.00", "1415.00")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "vide"),
        (b"pensioner_id,payment_id\nx,y\n", "Colonnes manquantes"),
        (b"\x81\x8d\x90", "ni en UTF-8 ni en Windows-1252"),
    ],
    ids=["empty", "missing columns", "neither UTF-8 nor Windows-1252"],
)
async def test_a_file_that_cannot_be_loaded_is_refused_whole(
    api: Api, body: bytes, words: str
) -> None:
    resp = await api.client.post(
        "/v1/pension-payments/imports", content=body, headers={**AGENT, "Content-Type": "text/csv"}
    )
    assert resp.status_code == 422
    assert words in resp.json()["detail"]


async def test_only_an_agent_loads_pension_payments(api: Api) -> None:
    resp = await api.client.post(
        "/v1/pension-payments/imports",
        content=CSV.encode(),
        headers={**assure("aff-3", "retraite"), "Content-Type": "text/csv"},
    )
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("agent-only")
