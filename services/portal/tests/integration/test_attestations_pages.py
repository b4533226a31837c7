"""« Mes attestations » (and a firm's ``/dossiers/{id}/attestations``) a page at a time over
attestations' real app: twenty to a page, newest first, how many said above the table, the
DSFR pagination, a page that is no page brought back to one, a new certificate first on
page 1."""

from __future__ import annotations

import re
from typing import Any

import httpx
from portal_platform import (
    Platform,
    assure_of_its_own,
    firm_mandate,
    firm_of_its_own,
    form_token,
    main_text,
    sign_in,
    siret_of,
)

CERTIFICATES = 25
_DOWNLOAD = 'class="fr-link fr-link--download"'
_CODE = re.compile(r"<td>([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})</td>")
_NEXT_LINK = re.compile(
    r'<a class="fr-pagination__link fr-pagination__link--next[^"]*" href="([^"]+)"'
)
_PREVIOUS_LINK = re.compile(
    r'<a class="fr-pagination__link fr-pagination__link--prev[^"]*" href="([^"]+)"'
)


async def _with_certificates(world: Platform, siren_body: str, name: str, email: str) -> str:
    """An artisan of their own (``email``) given ``CERTIFICATES`` attestations d'affiliation
    through attestations' api, one after the other; their affilié id."""
    affiliate_id = await assure_of_its_own(world, siren_body, name, email)
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("attestations") as attestations:
        for _ in range(CERTIFICATES):
            made = await attestations.post(
                "/v1/attestations",
                json={"affiliate_id": affiliate_id, "kind": "affiliation"},
                headers=headers,
            )
            assert made.status_code == 201, made.text
    return affiliate_id


async def _codes_listed(world: Platform, email: str, affiliate_id: str) -> list[str]:
    """Every security code of the affilié as attestations lists them, newest first."""
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("attestations") as attestations:
        listed = await attestations.get(
            f"/v1/affiliates/{affiliate_id}/attestations",
            params={"per_page": 100},
            headers=headers,
        )
    assert listed.status_code == 200, listed.text
    body: dict[str, Any] = listed.json()
    return [a["code"] for a in body["items"]]


def _shown(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, main_text(page.text)
    assert page.text.count(_DOWNLOAD) == len(_CODE.findall(page.text))
    return _CODE.findall(page.text)


async def test_mes_attestations_shows_twenty_then_the_rest_on_page_2(world: Platform) -> None:
    email = "remi@aubert.fr"
    affiliate_id = await _with_certificates(world, "95500011", "Aubert", email)
    codes = await _codes_listed(world, email, affiliate_id)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        first = await browser.get("/attestations")
        assert _shown(first) == codes[:20]
        text = main_text(first.text)
        assert "25 attestations — page 1 sur 2." in text
        assert text.index("25 attestations") < text.index(codes[0])  # above the table
        assert "<h1>Mes attestations</h1>" in first.text
        assert "<title>Mes attestations — page 1 sur 2 — " in first.text
        assert 'aria-label="Pagination des attestations"' in first.text
        assert _NEXT_LINK.findall(first.text) == ["/attestations?page=2"]
        assert ">Page suivante</a>" in first.text
        assert _PREVIOUS_LINK.findall(first.text) == []  # no page before the first
        assert 'aria-current="page" title="Page 1">1</a>' in first.text

        second = await browser.get("/attestations?page=2")
        assert _shown(second) == codes[20:]
        assert "25 attestations — page 2 sur 2." in main_text(second.text)
        assert _PREVIOUS_LINK.findall(second.text) == ["/attestations"]
        assert _NEXT_LINK.findall(second.text) == []
        assert 'aria-current="page" title="Page 2">2</a>' in second.text
        assert 'action="/attestations?page=2"' in second.text  # the form keeps the page


async def test_a_page_that_is_no_page_is_brought_back_to_one(world: Platform) -> None:
    email = "ines@carre.fr"
    affiliate_id = await _with_certificates(world, "95500022", "Carre", email)
    codes = await _codes_listed(world, email, affiliate_id)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        for asked in ("0", "abc", "-1", "", "2.5", "²"):
            page = await browser.get("/attestations", params={"page": asked})
            assert _shown(page) == codes[:20], asked
            assert "page 1 sur 2" in main_text(page.text)
        for asked in ("3", "99", "9" * 40):  # past the last: the last
            page = await browser.get("/attestations", params={"page": asked})
            assert _shown(page) == codes[20:], asked
            assert "page 2 sur 2" in main_text(page.text)


async def test_a_new_certificate_asked_from_page_2_is_first_on_page_1(world: Platform) -> None:
    email = "luc@brunet.fr"
    affiliate_id = await _with_certificates(world, "95500033", "Brunet", email)
    before = await _codes_listed(world, email, affiliate_id)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        second = await browser.get("/attestations?page=2")
        csrf = form_token(second.text)
        refused = await browser.post("/attestations?page=2", data={"csrf": csrf})
        assert refused.status_code == 422
        assert 'id="type-erreur"' in refused.text
        assert "25 attestations — page 2 sur 2." in main_text(refused.text)  # still page 2
        asked = await browser.post(
            "/attestations?page=2", data={"csrf": csrf, "type": "affiliation"}
        )
        assert asked.status_code == 303, asked.text
        assert asked.headers["location"] == "/attestations"
        first = await browser.get(asked.headers["location"])
        assert "Votre attestation est prête" in first.text
        assert "26 attestations — page 1 sur 2." in main_text(first.text)
    after = await _codes_listed(world, email, affiliate_id)
    [new] = set(after) - set(before)
    assert _shown(first) == [new, *before[:19]]


async def test_a_firm_sees_its_client_s_certificates_a_page_at_a_time(world: Platform) -> None:
    admin = "odile@cabinet-95900011.fr"
    await firm_of_its_own(world, admin, "95900011")
    client_email = "yves@mercier.fr"
    affiliate_id = await _with_certificates(world, "95500044", "Mercier", client_email)
    codes = await _codes_listed(world, client_email, affiliate_id)
    await firm_mandate(world, admin, siret_of("95500044", "0001"))
    base = f"/dossiers/{affiliate_id}/attestations"
    async with world.portal() as browser:
        assert (await sign_in(browser, admin)).status_code == 303
        first = await browser.get(base)
        assert _shown(first) == codes[:20]
        assert "<h1>Attestations du client</h1>" in first.text
        assert "25 attestations — page 1 sur 2." in main_text(first.text)
        assert _NEXT_LINK.findall(first.text) == [f"{base}?page=2"]
        second = await browser.get(f"{base}?page=2")
        assert _shown(second) == codes[20:]
        assert _PREVIOUS_LINK.findall(second.text) == [base]
        assert f'action="{base}?page=2"' in second.text
