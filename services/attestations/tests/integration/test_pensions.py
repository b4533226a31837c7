"""The pension fund's feed: each payment kept once, the history of pension payments, and the
attestation fiscale of a year (pensioners only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from attestations_samples import NOW, Api, affiliate, assure, event, pension, running_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(
        f"sqlite+aiosqlite:///{tmp_path}/a.db",
        tmp_path / "data",
        # the fund's payments may arrive before the registry announces the pensioner
        pension("p-2025-11", date(2025, 11, 28)),
        pension("p-2025-12", date(2025, 12, 29)),
        pension("p-2026-01", date(2026, 1, 28)),
        affiliate("aff-3", "retraite", birth_name="Durand"),
        affiliate("aff-1", "artisan"),
        pades=False,
    ) as api:
        yield api


async def test_a_redelivered_pension_payment_is_kept_once(api: Api) -> None:
    again = event(pension("p-2025-12", date(2025, 12, 29)))
    await api.app.on_pensions([again, event(pension("p-2025-12", date(2025, 12, 29)))])
    resp = await api.client.get(
        "/v1/affiliates/aff-3/pension-payments", headers=assure("aff-3", "retraite")
    )
    assert resp.status_code == 200
    assert [p["payment_id"] for p in resp.json()["items"]] == [
        "p-2026-01",
        "p-2025-12",
        "p-2025-11",
    ]


async def test_the_funds_correction_replaces_a_payment_and_an_older_record_does_not(
    api: Api,
) -> None:
    corrected = pension("p-2025-12", date(2025, 12, 29), gross="1600.00")
    await api.app.on_pensions([event(corrected, at=NOW + timedelta(days=1))])
    late_first = event(pension("p-2025-12", date(2025, 12, 29)), at=NOW - timedelta(days=30))
    await api.app.on_pensions([late_first])  # an older record delivered late changes nothing
    resp = await api.client.get(
        "/v1/affiliates/aff-3/pension-payments", headers=assure("aff-3", "retraite")
    )
    (december,) = [p for p in resp.json()["items"] if p["payment_id"] == "p-2025-12"]
    assert december["gross"] == "1600.00"
    fiscale = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-3", "kind": "fiscale", "year": 2025},
        headers=assure("aff-3", "retraite"),
    )
    assert fiscale.status_code == 201, fiscale.text
    assert "brut de 3\u202f100,00 €" in fiscale.json()["statement"]


async def test_the_attestation_fiscale_sums_the_pensions_paid_in_the_year(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-3", "kind": "fiscale", "year": 2025},
        headers=assure("aff-3", "retraite"),
    )
    assert resp.status_code == 201, resp.text
    statement = resp.json()["statement"]
    assert "brut de 3\u202f000,00 €" in statement
    assert "dont 2\u202f850,00 € imposables" in statement


async def test_an_artisan_gets_no_attestation_fiscale(api: Api) -> None:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-1", "kind": "fiscale", "year": 2025},
        headers=assure(),
    )
    assert resp.status_code == 422
    assert "retraités" in resp.json()["detail"]


async def test_another_person_does_not_see_the_pension_history(api: Api) -> None:
    resp = await api.client.get("/v1/affiliates/aff-3/pension-payments", headers=assure())
    assert resp.status_code == 404
