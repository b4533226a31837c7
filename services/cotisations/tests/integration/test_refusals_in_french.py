"""Every refusal of cotisations' routes, hostile inputs included, is a problem document in
French: the field named as the person knows it, bounds that say what is allowed, dates written
the French way, never pydantic's English nor a 500."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cotisations_api import Api, running_api
from cotisations_samples import affiliate

ARTISAN, MICRO = "aff-1", "aff-2"
ENGLISH = re.compile(
    r"Input should|should be|[Rr]equired|Value error|Extra inputs|expected|less than|"
    r"greater than| or |"
    r"valid (integer|number|decimal)|\d{4}-\d{2}-\d{2}"
)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_api(
        database_url,
        affiliate(ARTISAN, "artisan"),
        affiliate(MICRO, "micro_entrepreneur", siren="552100554"),
    ) as built:
        yield built


def _headers(api: Api, affiliate_id: str) -> dict[str, str]:
    return api.headers("assure", f"acc-{affiliate_id}", aff=affiliate_id, cat="artisan")


def french(resp: httpx.Response, status: int = 422) -> dict[str, Any]:
    """The problem document of a refusal, checked to be French through and through."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    doc: dict[str, Any] = resp.json()
    said = [doc["detail"], *(e["message"] for e in doc.get("errors", []))]
    for sentence in said:
        assert not ENGLISH.search(sentence), sentence
    return doc


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"year": 2030, "income": "1.00"}, "Vos revenus 2030 ne peuvent pas encore être estimés"),
        ({"year": "deux mille", "income": "1.00"}, "L'année s'écrit avec quatre chiffres"),
        ({"year": True, "income": "1.00"}, "L'année s'écrit avec quatre chiffres"),
        ({"year": 10**40, "income": "1.00"}, "L'année s'écrit avec quatre chiffres"),
        ({"year": 2026, "income": "1e999"}, "Le revenu estimé s'écrit en euros"),
        ({"year": 2026, "income": "NaN"}, "Le revenu estimé s'écrit en euros"),
        ({"year": 2026, "income": "12.345"}, "Le revenu estimé s'écrit en euros"),
        ({"year": 2026, "income": "４２０００"}, "Le revenu estimé s'écrit en euros"),
        ({"year": 2026, "income": True}, "Le revenu estimé s'écrit en euros"),
        ({"year": 2026, "income": [1]}, "Le revenu estimé s'écrit en euros"),
        (
            {"year": 2026, "income": "100000000.01"},
            "Le revenu estimé doit être compris entre -10 000 000,00 € et 100 000 000,00 €",
        ),
        ({"year": 2026}, "Revenu : ce champ est obligatoire."),
        ({"year": 2026, "income": "1.00", "note": "é"}, "« note » : ce champ n'est pas attendu."),
    ],
)
async def test_an_estimate_refused_says_why_in_french_naming_the_field(
    api: Api, body: dict[str, Any], detail: str
) -> None:
    for path in ("estimates/preview", "estimates"):
        resp = await api.client.post(
            f"/v1/accounts/{ARTISAN}/{path}", json=body, headers=_headers(api, ARTISAN)
        )
        assert detail in french(resp)["detail"]
    assert await api.outbox() == []


async def test_the_other_routes_refuse_in_french_with_french_dates(api: Api) -> None:
    artisan, micro = _headers(api, ARTISAN), _headers(api, MICRO)
    base = f"/v1/accounts/{ARTISAN}"
    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, str], str]] = [
        ("get", f"{base}?year=2030", None, artisan, "les années connues sont 2025, 2026 ou 2027"),
        ("get", f"{base}?year=abc", None, artisan, "L'année s'écrit avec quatre chiffres"),
        ("post", f"{base}/incomes", {"year": 2024, "income": "1.00"}, artisan, "2024 n'est pas"),
        (
            "post",
            f"{base}/incomes",
            {"year": 2025, "income": "1,5"},
            artisan,
            "Le revenu définitif",
        ),
        ("put", f"{base}/periodicity", {"periodicity": "weekly"}, artisan, "« quarterly »"),
        ("put", f"{base}/debit-day", {"debit_day": 12}, artisan, "le 5 ou le 20 du mois"),
        ("put", f"{base}/debit-day", {"debit_day": 10**30}, artisan, "le 5 ou le 20 du mois"),
        (
            "post",
            f"/v1/accounts/{MICRO}/declarations",
            {"period": "2026-03", "turnover": "1.00"},
            micro,
            "déclarez-la à partir du 1er avril 2026",
        ),
        (
            "post",
            f"/v1/accounts/{MICRO}/declarations",
            {"period": "2026-01", "turnover": "-5.00"},
            micro,
            "Le chiffre d'affaires ne peut pas être négatif",
        ),
    ]
    for method, url, body, headers, words in cases:
        resp = await api.client.request(method, url, json=body, headers=headers)
        assert words in french(resp)["detail"], (url, body)
    assert await api.outbox() == []


async def test_a_lock_says_from_which_day_the_french_way(api: Api) -> None:
    artisan = _headers(api, ARTISAN)
    estimate = {"year": 2026, "income": "42000.00"}
    url = f"/v1/accounts/{ARTISAN}"
    assert (await api.client.post(f"{url}/estimates", json=estimate, headers=artisan)).is_success
    again = await api.client.post(f"{url}/estimates", json=estimate, headers=artisan)
    assert "à partir du 1er avril 2026" in french(again, 409)["detail"]
    assert (
        await api.client.put(f"{url}/debit-day", json={"debit_day": 20}, headers=artisan)
    ).is_success
    again = await api.client.put(f"{url}/debit-day", json={"debit_day": 5}, headers=artisan)
    assert "à partir du 1er janvier 2027" in french(again, 409)["detail"]


@pytest.mark.parametrize("period", ["9999-12", "0000-01", "２０２６-01"])
async def test_a_period_out_of_reach_or_in_other_digits_is_refused_not_a_500(
    api: Api, period: str
) -> None:
    resp = await api.client.post(
        f"/v1/accounts/{MICRO}/declarations",
        json={"period": period, "turnover": "1.00"},
        headers=_headers(api, MICRO),
    )
    assert french(resp)["errors"][0]["field"] == "period"
    assert await api.outbox() == []


async def test_a_period_is_read_as_people_write_it_and_declared_once(api: Api) -> None:
    url, headers = f"/v1/accounts/{MICRO}/declarations", _headers(api, MICRO)
    typed = await api.client.post(
        url, json={"period": "01/2026", "turnover": "100.00"}, headers=headers
    )
    assert typed.status_code == 201, typed.text
    assert typed.json()["period"] == "2026-01"
    for same in ("2026-01", " 2026-01\n", "1/2026"):
        again = await api.client.post(
            url, json={"period": same, "turnover": "1.00"}, headers=headers
        )
        assert french(again, 409)["type"].endswith("/period-already-declared")


@pytest.mark.parametrize("affiliate_id", ["a%00b", "%0A", "x" * 65])
async def test_an_id_no_affilie_can_have_is_no_account_not_a_500(
    api: Api, affiliate_id: str
) -> None:
    agent = api.headers("agent", "ag-1")
    firm = api.headers("cabinet_user", "paul", cab="cab-1", rights=["declare", "read"])
    url = f"/v1/accounts/{affiliate_id}"
    for resp in (
        await api.client.get(url, headers=agent),
        await api.client.get(f"{url}/career", headers=firm),
        await api.client.post(
            f"{url}/estimates", json={"year": 2026, "income": "1.00"}, headers=firm
        ),
    ):
        assert french(resp, 404)["type"].endswith("/account-not-found")
