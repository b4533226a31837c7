"""An affilié's certificates listed by page over each database backend: newest first in a
stable order (issue instant, then id), the total beside each page, a page past the last empty,
the page and its size refused in French when out of range."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from attestations_samples import Api, affiliate, assure, running_api

ISSUED = 45
SAME_INSTANT = 3
"""The last certificates are issued at one instant: their order is the id's."""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(
        database_url, tmp_path / "data", affiliate("aff-1", "artisan"), pades=False
    ) as api:
        yield api


async def _issue(api: Api, count: int) -> list[dict[str, Any]]:
    """``count`` attestations d'affiliation of aff-1, one second apart, the last
    ``SAME_INSTANT`` at the same instant."""
    made = []
    for n in range(count):
        if n < count - SAME_INSTANT + 1:
            api.clock.advance(timedelta(seconds=1))
        resp = await api.client.post(
            "/v1/attestations",
            json={"affiliate_id": "aff-1", "kind": "affiliation"},
            headers=assure(at=api.clock.now()),
        )
        assert resp.status_code == 201, resp.text
        made.append(resp.json())
    return made


async def _page(api: Api, **params: Any) -> dict[str, Any]:
    resp = await api.client.get(
        "/v1/affiliates/aff-1/attestations", params=params, headers=assure(at=api.clock.now())
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_the_certificates_come_by_page_newest_first_with_their_total(api: Api) -> None:
    made = await _issue(api, ISSUED)
    newest_first = sorted(made, key=lambda a: (a["issued_at"], a["attestation_id"]), reverse=True)
    pages = [await _page(api, page=n, per_page=20) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [20, 20, 5]
    assert [(p["total"], p["page"], p["per_page"]) for p in pages] == [
        (ISSUED, 1, 20),
        (ISSUED, 2, 20),
        (ISSUED, 3, 20),
    ]
    # each item as it was issued (the list's items keep their shape), in order, each once
    assert [a for p in pages for a in p["items"]] == newest_first
    # the ones of one instant come in the order of their ids, the greatest first
    listed = [a["attestation_id"] for a in pages[0]["items"]]
    same = [a["attestation_id"] for a in made[-SAME_INSTANT:]]
    assert listed[:SAME_INSTANT] == sorted(same, reverse=True)
    assert listed[SAME_INSTANT] == made[-SAME_INSTANT - 1]["attestation_id"]
    assert await _page(api, page=2, per_page=20) == pages[1]  # the same page, asked again


async def test_a_page_past_the_last_is_empty_and_says_the_total(api: Api) -> None:
    await _issue(api, 5)
    past = await _page(api, page=4, per_page=2)
    assert past == {"items": [], "total": 5, "page": 4, "per_page": 2}
    assert (await _page(api, page=1_000))["items"] == []


async def test_twenty_to_a_page_unless_asked_and_all_at_a_hundred(api: Api) -> None:
    await _issue(api, 25)
    default = await _page(api)
    assert (len(default["items"]), default["total"], default["page"], default["per_page"]) == (
        20,
        25,
        1,
        20,
    )
    assert len((await _page(api, per_page=100))["items"]) == 25


async def test_an_affilie_with_no_certificate_has_an_empty_first_page(api: Api) -> None:
    assert await _page(api) == {"items": [], "total": 0, "page": 1, "per_page": 20}


@pytest.mark.parametrize(
    ("params", "field", "code", "message"),
    [
        (
            {"per_page": 0},
            "per_page",
            "greater_than_equal",
            "Ce champ doit être supérieur ou égal à 1.",
        ),
        (
            {"per_page": 101},
            "per_page",
            "less_than_equal",
            "Ce champ doit être inférieur ou égal à 100.",
        ),
        ({"page": 0}, "page", "greater_than_equal", "Ce champ doit être supérieur ou égal à 1."),
        ({"page": "abc"}, "page", "int_parsing", "Ce champ doit être un nombre entier."),
    ],
    ids=["per_page 0", "per_page 101", "page 0", "page abc"],
)
async def test_a_page_or_a_size_out_of_range_is_refused_in_french(
    api: Api, params: dict[str, Any], field: str, code: str, message: str
) -> None:
    resp = await api.client.get(
        "/v1/affiliates/aff-1/attestations", params=params, headers=assure()
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["type"].endswith("validation-error")
    assert problem["errors"] == [{"field": field, "code": code, "message": message}]
    assert problem["detail"] == f"{field}: {message}"
