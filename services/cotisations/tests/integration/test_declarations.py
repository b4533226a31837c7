"""Declarations and changes over HTTP on a real database (SQLite and PostgreSQL): the
definitive income and its regularisation, a micro-entrepreneur's turnover, the periodicity and
the debit day, the relevé de carrière; each with its events, each refusal writing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cotisations.domain.independant import compute_independant, quarters_validated
from cotisations_api import Api, running_api
from cotisations_samples import activated, affiliate, event, subscribed

ARTISAN, MICRO = "aff-1", "aff-2"


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_api(
        database_url,
        affiliate(ARTISAN, "artisan"),
        affiliate(MICRO, "micro_entrepreneur", siren="552100554"),
    ) as built:
        yield built


def _assure(api: Api, affiliate_id: str = ARTISAN) -> dict[str, str]:
    return api.headers("assure", f"acc-{affiliate_id}", aff=affiliate_id, cat="artisan")


def _sum(instalments: list[dict[str, str]]) -> Decimal:
    return sum((Decimal(i["amount"]) for i in instalments), Decimal(0))


async def _missing(api: Api, affiliate_id: str = MICRO) -> list[list[str]]:
    """The declarations missing, as each ``standing_changed`` of the account said them."""
    return [
        p["missing_declarations"]
        for t, p in await api.outbox()
        if t.endswith("standing_changed.v1") and p["affiliate_id"] == affiliate_id
    ]


async def _types(api: Api) -> list[str]:
    return [event_type.rsplit(".", 2)[-2] for event_type, _ in await api.outbox()]


async def test_a_definitive_income_regularises_the_year_and_spreads_the_balance(api: Api) -> None:
    called_2025 = _sum(
        (await api.client.get(f"/v1/accounts/{ARTISAN}?year=2025", headers=_assure(api))).json()[
            "echeancier"
        ]
    )
    resp = await api.client.post(
        f"/v1/accounts/{ARTISAN}/incomes",
        json={"year": 2025, "income": "60000.00"},
        headers=_assure(api),
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    definitive = compute_independant(2025, "artisan", Decimal(60000)).total
    assert Decimal(body["definitive_total"]) == definitive
    assert Decimal(body["called_total"]) == called_2025
    assert Decimal(body["balance"]) == definitive - called_2025
    assert body["outcome"] == "spread"
    provisional_2026 = compute_independant(2026, "artisan", Decimal(60000)).total
    assert _sum(body["echeancier"]) == provisional_2026 + Decimal(body["balance"])
    assert await _types(api) == ["income_declared", "schedule_revised"]

    account = (await api.client.get(f"/v1/accounts/{ARTISAN}", headers=_assure(api))).json()
    assert account["incomes"] == [{"year": 2025, "amount": "60000.00", "kind": "definitive"}]
    assert [r["outcome"] for r in account["regularisations"]] == ["spread"]
    assert [i["amount"] for i in account["echeancier"]] == [i["amount"] for i in body["echeancier"]]
    assert {i["status"] for i in account["echeancier"][:1]} == {"due"}  # 5 January is past
    again_2025 = (
        await api.client.get(f"/v1/accounts/{ARTISAN}?year=2025", headers=_assure(api))
    ).json()
    assert _sum(again_2025["echeancier"]) == called_2025  # what 2025 called stays as it was

    twice = await api.client.post(
        f"/v1/accounts/{ARTISAN}/incomes",
        json={"year": 2025, "income": "61000.00"},
        headers=_assure(api),
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/income-already-declared")
    assert len(await api.outbox()) == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"year": 2026, "income": "30000.00"}, "une fois l'année terminée"),
        ({"year": 2025, "income": "abc"}, "income"),
        ({"year": 2024, "income": "30000.00"}, "year"),
        ({"year": 2025, "income": "30000.00", "extra": 1}, "extra"),
    ],
)
async def test_a_bad_definitive_income_gets_422_and_writes_nothing(
    api: Api, body: dict[str, object], words: str
) -> None:
    resp = await api.client.post(f"/v1/accounts/{ARTISAN}/incomes", json=body, headers=_assure(api))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert words in resp.text
    assert await api.outbox() == []


async def test_a_micro_entrepreneur_declares_each_month_and_owes_it_at_the_deadline(
    api: Api,
) -> None:
    headers = _assure(api, MICRO)
    url = f"/v1/accounts/{MICRO}/declarations"
    resp = await api.client.post(
        url, json={"period": "2026-02", "turnover": "2001.40"}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    declared = resp.json()
    assert declared["turnover"] == "2001.00"
    assert declared["lines"]["cotisations_sociales"] == "424.00"  # 2001 × 21.2 %
    assert declared["due_date"] == "2026-03-31"
    account = (await api.client.get(f"/v1/accounts/{MICRO}", headers=headers)).json()
    assert account["declarations"] == [
        {
            "period": "2026-02",
            "turnover": "2001.00",
            "amount": declared["amount"],
            "due_date": "2026-03-31",
        }
    ]
    assert account["echeancier"] == [
        {
            "due_date": "2026-03-31",
            "amount": declared["amount"],
            "status": "upcoming",
            "payment": "upcoming",  # not called yet: the ledger holds nothing of it
            "outstanding": declared["amount"],
            "debt": None,
        }
    ]
    assert account["provisional_total"] == declared["amount"]

    refusals = [
        ({"period": "2026-02", "turnover": "1.00"}, 409, "period-already-declared"),
        ({"period": "2026-03", "turnover": "1.00"}, 422, "pas terminée"),
        ({"period": "2026-T1", "turnover": "1.00"}, 422, "AAAA-MM"),
    ]
    for body, status, words in refusals:
        refused = await api.client.post(url, json=body, headers=headers)
        assert (refused.status_code, words in refused.text) == (status, True), refused.text
    # the account's first facts are published with the declaration: December 2025 fell due
    # on 2 February 2026, after the ledger took the account over, and is not declared
    assert await _types(api) == ["turnover_declared", "standing_changed"]
    assert await _missing(api) == [["2025-12"]]


async def test_going_quarterly_applies_30_days_on_and_keeps_the_year_amount(api: Api) -> None:
    before = (await api.client.get(f"/v1/accounts/{ARTISAN}", headers=_assure(api))).json()
    resp = await api.client.put(
        f"/v1/accounts/{ARTISAN}/periodicity",
        json={"periodicity": "quarterly"},
        headers=_assure(api),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["periodicity"], body["effective_from"]) == ("quarterly", "2026-05-05")
    assert _sum(body["echeancier"]) == _sum(before["echeancier"])
    assert [i["due_date"] for i in body["echeancier"]][-3:] == [
        "2026-05-05",
        "2026-08-05",
        "2026-11-05",
    ]
    assert await _types(api) == ["payment_terms_changed", "schedule_revised"]
    same = await api.client.put(
        f"/v1/accounts/{ARTISAN}/periodicity",
        json={"periodicity": "quarterly"},
        headers=_assure(api),
    )
    assert same.status_code == 422


async def test_the_debit_day_changes_once_a_year_and_says_from_when_again(api: Api) -> None:
    url = f"/v1/accounts/{ARTISAN}/debit-day"
    moved = await api.client.put(url, json={"debit_day": 20}, headers=_assure(api))
    assert moved.status_code == 200, moved.text
    assert moved.json()["effective_from"] == "2026-04-20"  # 31 March + : the 20 April
    again = await api.client.put(url, json={"debit_day": 5}, headers=_assure(api))
    assert again.status_code == 409
    assert again.json()["unlocks_on"] == "2027-01-01"
    assert (
        await api.client.put(url, json={"debit_day": 12}, headers=_assure(api))
    ).status_code == 422
    assert await _types(api) == ["payment_terms_changed", "schedule_revised"]


async def _firm_reaches(api: Api, affiliate_id: str) -> None:
    await api.app.on_access_event(event(activated(affiliate_id)))
    await api.app.on_access_event(event(subscribed()))


async def test_a_firm_changes_terms_with_pay_and_declares_with_declare(api: Api) -> None:
    await _firm_reaches(api, ARTISAN)
    declarer = api.headers("cabinet_user", "paul", cab="cab-1", rights=["declare", "read"])
    payer = api.headers("cabinet_user", "paul", cab="cab-1", rights=["pay", "read"])
    refused = await api.client.put(
        f"/v1/accounts/{ARTISAN}/periodicity", json={"periodicity": "quarterly"}, headers=declarer
    )
    assert refused.status_code == 403
    assert "pay" in refused.json()["detail"]
    assert (
        await api.client.put(
            f"/v1/accounts/{ARTISAN}/periodicity",
            json={"periodicity": "quarterly"},
            headers=payer,
        )
    ).status_code == 200
    refused = await api.client.post(
        f"/v1/accounts/{ARTISAN}/incomes",
        json={"year": 2025, "income": "30000.00"},
        headers=payer,
    )
    assert refused.status_code == 403
    assert "declare" in refused.json()["detail"]
    stranger = api.headers("cabinet_user", "x", cab="cab-2", rights=["admin", "declare", "pay"])
    assert (
        await api.client.post(
            f"/v1/accounts/{ARTISAN}/incomes",
            json={"year": 2025, "income": "30000.00"},
            headers=stranger,
        )
    ).status_code == 404


async def test_the_career_is_the_assures_alone_and_counts_quarters(api: Api) -> None:
    empty = await api.client.get(f"/v1/accounts/{ARTISAN}/career", headers=_assure(api))
    assert empty.json() == {"affiliate_id": ARTISAN, "years": []}
    await api.client.post(
        f"/v1/accounts/{ARTISAN}/incomes",
        json={"year": 2025, "income": "5000.00"},
        headers=_assure(api),
    )
    career = (await api.client.get(f"/v1/accounts/{ARTISAN}/career", headers=_assure(api))).json()
    [year] = career["years"]
    assert year["year"] == 2025
    assert year["quarters"] == quarters_validated(2025, Decimal(5000)) == 3
    assert year["retraite_base_assiette"] == "5346.00"  # the minimum: 450 × 11.88

    await _firm_reaches(api, ARTISAN)
    firm = api.headers("cabinet_user", "adm", cab="cab-1", rights=["admin", "read"])
    denied = await api.client.get(f"/v1/accounts/{ARTISAN}/career", headers=firm)
    assert denied.status_code == 403
    assert denied.json()["type"].endswith("/career-assure-only")
    other = api.headers("cabinet_user", "x", cab="cab-2", rights=["admin", "read"])
    assert (
        await api.client.get(f"/v1/accounts/{ARTISAN}/career", headers=other)
    ).status_code == 404


async def test_a_declaration_due_and_missing_is_published_and_its_receipt_at_once(
    api: Api,
) -> None:
    api.clock.set(datetime(2026, 3, 3, 9, tzinfo=UTC))  # January's deadline was on 2 March
    agent = api.headers("agent", "ag-1")
    swept = await api.client.post("/v1/operations/standing-sweeps", headers=agent)
    assert swept.status_code == 200, swept.text
    # December 2025 fell due on 2 February 2026, after the ledger took the account over
    assert (await _missing(api))[-1] == ["2025-12", "2026-01"]
    assert await _missing(api, ARTISAN) == [[]]  # an artisan declares no turnover
    again = await api.client.post("/v1/operations/standing-sweeps", headers=agent)
    assert again.json()["published"] == 0  # nothing moved: nothing published again
    resp = await api.client.post(
        f"/v1/accounts/{MICRO}/declarations",
        json={"period": "2026-01", "turnover": "1500.00"},
        headers=_assure(api, MICRO),
    )
    assert resp.status_code == 201, resp.text
    assert (await _missing(api))[-1] == ["2025-12"]  # at once, not at the next sweep
    assert (await api.client.post("/v1/operations/standing-sweeps", headers=agent)).json()[
        "published"
    ] == 0
