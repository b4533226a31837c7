"""Income estimates on a real database: preview changes nothing, apply replaces the remaining
instalments at once and publishes, a second estimate within a month is refused with its date."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
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


async def test_in_december_next_years_estimate_gives_its_echeancier(api: Api) -> None:
    api.clock.set(datetime(2026, 12, 20, 9, tzinfo=UTC))
    body = {"year": 2027, "income": "42000.00"}
    preview = await api.client.post(
        "/v1/accounts/aff-1/estimates/preview", json=body, headers=_assure(api)
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["effective_from"] == "2027-01-05"
    assert len(preview.json()["instalments"]) == 12

    applied = await api.client.post("/v1/accounts/aff-1/estimates", json=body, headers=_assure(api))
    assert applied.status_code == 201, applied.text
    account = (await api.client.get("/v1/accounts/aff-1?year=2027", headers=_assure(api))).json()
    assert sum(Decimal(i["amount"]) for i in account["echeancier"]) == Decimal(
        applied.json()["annual_amount"]
    )
    assert account["incomes"] == [{"year": 2027, "amount": "42000.00", "kind": "estimate"}]
    revised = [p for t, p in await api.outbox() if t.endswith("schedule_revised.v1")]
    assert [(p["year"], len(p["instalments"])) for p in revised] == [(2027, 12)]


async def test_an_estimate_of_a_year_not_open_says_which_one_is_and_from_when_in_french(
    api: Api,
) -> None:
    async def refused(year: int) -> dict[str, object]:
        resp = await api.client.post(
            "/v1/accounts/aff-1/estimates",
            json={"year": year, "income": "42000.00"},
            headers=_assure(api),
        )
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
        doc: dict[str, object] = resp.json()
        assert doc["errors"] == [{"field": "year", "code": "rule", "message": doc["detail"]}]
        assert not re.search(r"\d{4}-\d{2}-\d{2}", str(doc["detail"]))
        return doc

    early = await refused(2027)  # on 1 March 2026
    assert "à partir du 23 novembre 2026" in str(early["detail"])
    assert (early["estimable_year"], early["opens_on"]) == (2026, "2026-11-23")

    api.clock.set(datetime(2026, 12, 20, 9, tzinfo=UTC))
    late = await refused(2026)
    assert "le 7 décembre 2026" in str(late["detail"])
    assert (late["estimable_year"], late["opens_on"]) == (2027, None)
    assert await api.outbox() == []
