"""Income estimates on a real database: preview changes nothing, apply replaces the remaining
instalments at once and publishes, a second estimate within a month is refused with its date."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from cotisations_api import Api, running_api
from cotisations_samples import activated, affiliate, event, subscribed

ASSURE = {"actor": "assure", "subject": "acc-1", "aff": "aff-1", "cat": "artisan"}


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_api(database_url, affiliate("aff-1", "artisan")) as built:
        yield built


def _assure(api: Api) -> dict[str, str]:
    return api.headers(
        "assure", "acc-1", aff="aff-1", cat="artisan", email="jean@dupont.fr", name="Jean Dupont"
    )


async def test_a_preview_shows_the_new_instalments_and_changes_nothing(api: Api) -> None:
    before = (await api.client.get("/v1/accounts/aff-1", headers=_assure(api))).json()
    resp = await api.client.post(
        "/v1/accounts/aff-1/estimates/preview",
        json={"year": 2026, "income": "42000.00"},
        headers=_assure(api),
    )
    assert resp.status_code == 200, resp.text
    preview = resp.json()
    assert preview["annual_amount"] == "18741.00"
    assert preview["effective_from"] == "2026-04-07"  # 1 March + 15 days: the 7 April due date
    after = (await api.client.get("/v1/accounts/aff-1", headers=_assure(api))).json()
    assert after == before
    assert await api.outbox() == []


async def test_applying_replaces_the_remaining_instalments_and_tells_notifications(
    api: Api,
) -> None:
    resp = await api.client.post(
        "/v1/accounts/aff-1/estimates",
        json={"year": 2026, "income": "42000.00"},
        headers=_assure(api),
    )
    assert resp.status_code == 201, resp.text
    account = (await api.client.get("/v1/accounts/aff-1", headers=_assure(api))).json()
    amounts = [Decimal(i["amount"]) for i in account["echeancier"]]
    assert sum(amounts) == Decimal("18741.00")
    assert amounts[0] == amounts[1] == amounts[2] == Decimal("114.75")  # minimum, already due
    events = await api.outbox()
    assert [t for t, _ in events] == [
        "cotisations.account.estimate_applied.v1",
        "cotisations.account.schedule_revised.v1",
    ]
    assert events[0][1]["requested_by"] == {
        "email": "jean@dupont.fr",
        "display_name": "Jean Dupont",
    }
    assert events[0][1]["client_name"] == "Jean Dupont"
    assert len(events[1][1]["instalments"]) == 9


async def test_a_second_estimate_within_a_month_says_until_when_then_is_accepted(api: Api) -> None:
    body = {"year": 2026, "income": "42000.00"}
    assert (
        await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=_assure(api))
    ).status_code == 201
    refused = await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=_assure(api))
    assert refused.status_code == 409
    assert refused.json()["unlocks_on"] == "2026-04-01"
    api.clock.advance(timedelta(days=31))
    accepted = await api.client.post(
        "/v1/accounts/aff-1/estimates", json=body, headers=_assure(api)
    )
    assert accepted.status_code == 201


async def test_a_firm_needs_the_declare_right_on_a_client_it_can_reach(api: Api) -> None:
    await api.app.on_access_event(event(activated()))
    await api.app.on_access_event(event(subscribed()))
    reader = api.headers("cabinet_user", "paul", cab="cab-1", rights=["read"])
    declarer = api.headers(
        "cabinet_user",
        "adm",
        cab="cab-1",
        rights=["declare", "read"],
        email="claire@cabinet.fr",
        name="Claire Martin",
    )
    body = {"year": 2026, "income": "30000.00"}
    refused = await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=reader)
    assert refused.status_code == 403
    assert "declare" in refused.json()["detail"]
    assert (
        await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=declarer)
    ).status_code == 404
    admin = api.headers(
        "cabinet_user",
        "adm",
        cab="cab-1",
        rights=["admin", "declare", "read"],
        email="claire@cabinet.fr",
        name="Claire Martin",
    )
    assert (
        await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=admin)
    ).status_code == 201


@pytest.mark.parametrize("income", ["abc", "1e999", "12.345"])
async def test_a_bad_income_gets_422_and_writes_nothing(api: Api, income: str) -> None:
    resp = await api.client.post(
        "/v1/accounts/aff-1/estimates", json={"year": 2026, "income": income}, headers=_assure(api)
    )
    assert resp.status_code == 422
    assert await api.outbox() == []
