"""Across the real processes, on either side of the turn of the year: on 20 December 2026 the
assuré estimates 2027's income and gets 2027's échéancier (its letter included), 2026 being
refused; on 10 January 2027 the current year's estimate is applied. Every refusal is French,
its dates written the French way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from journeys import letter_pdf, signed_up_assure
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def platform_on(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Any]:
    """``platform_on(day)``: identity, notifications and cotisations, the account rules on
    ``day``; stopped after the test."""
    started: list[RunningPlatform] = []

    def start(day: str) -> RunningPlatform:
        started.append(
            run_platform(
                tmp_path / day,
                kafka_bootstrap,
                services=("identity", "notifications", "cotisations"),
                env={"COTISATIONS_BUSINESS_DATE": day},
            )
        )
        return started[-1]

    yield start
    for platform in started:
        platform.stop()


async def _the_assures_account(
    client: httpx.AsyncClient, platform: RunningPlatform
) -> tuple[str, dict[str, str]]:
    """A new artisan on the registry signs up and reads the account it opened."""
    _, url, headers, _ = await signed_up_assure(client, platform, DEADLINE_S)
    return url, headers


async def _estimate(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], year: int, status: int
) -> dict[str, Any]:
    resp = await client.post(
        f"{url}/estimates", json={"year": year, "income": "42000.00"}, headers=headers
    )
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    if status >= 400:  # a refusal: French, its dates the French way
        assert resp.headers["content-type"] == "application/problem+json"
        assert not ISO_DATE.search(body["detail"]), body["detail"]
    return body


async def test_in_december_the_assure_estimates_next_year_and_gets_its_echeancier(
    platform_on: Any,
) -> None:
    platform = platform_on("2026-12-20")
    async with httpx.AsyncClient(timeout=15) as client:
        url, headers = await _the_assures_account(client, platform)

        too_late = await _estimate(client, url, headers, 2026, 422)
        assert "le 7 décembre 2026" in too_late["detail"]  # the 5th, a Saturday
        assert "vos revenus 2027" in too_late["detail"]
        assert too_late["estimable_year"] == 2027

        applied = await _estimate(client, url, headers, 2027, 201)
        assert (applied["year"], applied["effective_from"]) == (2027, "2027-01-05")
        next_year = (await client.get(f"{url}?year=2027", headers=headers)).json()
        assert len(next_year["echeancier"]) == 12
        assert sum(Decimal(i["amount"]) for i in next_year["echeancier"]) == Decimal(
            applied["annual_amount"]
        )

        letters, affiliate_id = platform.cfg.var / "letters", url.rsplit("/", 1)[-1]

        async def the_letter() -> Path | None:
            kind = "echeancier_rectificatif_letter"
            return letter_pdf(letters, kind, f"ECH-2027-{affiliate_id[:8]}")

        await eventually(the_letter, timeout_s=DEADLINE_S, message="2027's échéancier letter")


async def test_in_january_the_current_years_estimate_is_applied(platform_on: Any) -> None:
    platform = platform_on("2027-01-10")
    async with httpx.AsyncClient(timeout=15) as client:
        url, headers = await _the_assures_account(client, platform)

        too_early = await _estimate(client, url, headers, 2028, 422)
        assert "à partir du 22 novembre 2027" in too_early["detail"]  # 5 December a Sunday
        assert (too_early["estimable_year"], too_early["opens_on"]) == (2027, "2027-11-22")
        finished = await _estimate(client, url, headers, 2026, 422)
        assert "L'année 2026 est terminée" in finished["detail"]

        applied = await _estimate(client, url, headers, 2027, 201)
        assert (applied["year"], applied["effective_from"]) == (2027, "2027-02-05")
        locked = await _estimate(client, url, headers, 2027, 409)
        assert "à partir du 10 février 2027" in locked["detail"]
