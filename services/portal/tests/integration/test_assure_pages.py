"""The assuré's pages: « Mon compte », « Mes données personnelles », « Mes cotisations »,
« Mes attestations », over the services' real apps."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    PASSWORD,
    Browser,
    Platform,
    form_token,
    main_text,
    sign_in,
)


async def _signed_in(world: Platform, browser: Browser) -> None:
    resp = await sign_in(browser, ASSURE_EMAIL)
    assert resp.status_code == 303, resp.text


async def test_mon_compte_lists_the_teleservices_of_an_artisan(world: Platform) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        home = await browser.get("/")
        titles = re.findall(r'<h2 class="fr-tile__title">\s*(.*?)\s*</h2>', home.text, re.S)
        labels = [re.sub(r"<[^>]+>", "", t).strip() for t in titles]
        assert labels == [
            "Mes données personnelles",
            "Mes cotisations",
            "Mon relevé de carrière",
            "Ma santé",
            "Mes attestations",
        ]
        assert 'href="/donnees-personnelles"' in home.text
        assert 'href="/cotisations"' in home.text
        assert 'href="https://www.ameli.fr/"' in home.text
        assert 'href="/releve-de-carriere"' in home.text


async def test_mon_releve_de_carriere_says_when_no_definitive_income_is_known(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/releve-de-carriere")
        assert page.status_code == 200, main_text(page.text)
        assert "<h1>Mon relevé de carrière</h1>" in page.text
        assert "Aucun revenu définitif n'est encore déclaré" in main_text(page.text)


async def test_the_releve_de_carriere_is_refused_to_a_firm(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        resp = await browser.get("/releve-de-carriere")
        assert resp.status_code == 403


async def test_mes_donnees_personnelles_shows_the_registry_in_french(world: Platform) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/donnees-personnelles")
        assert page.status_code == 200
        assert "<h1>Mes données personnelles</h1>" in page.text
        assert "<dd>1er mai 1985</dd>" in page.text
        assert "<dd>Artisan</dd>" in page.text
        assert "12 rue des Lilas<br>69003 Lyon" in page.text
        assert ASSURE_EMAIL in page.text


async def test_a_new_mobile_is_kept_by_identity(world: Platform) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/donnees-personnelles")
        resp = await browser.post(
            "/donnees-personnelles/coordonnees",
            data={"csrf": form_token(page.text), "mobile": "06 12 34 56 78"},
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/donnees-personnelles")
        page = await browser.get("/donnees-personnelles")
        assert "Vos coordonnées ont été enregistrées." in page.text
        assert "<dd>+33612345678</dd>" in page.text


async def test_a_landline_is_refused_with_identitys_reason_tied_to_the_field(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/donnees-personnelles")
        resp = await browser.post(
            "/donnees-personnelles/coordonnees",
            data={"csrf": form_token(page.text), "mobile": "01 23 45 67 89"},
        )
        assert resp.status_code == 422
        assert 'id="mobile-erreur"' in resp.text
        assert 'aria-describedby="mobile-aide mobile-erreur"' in resp.text
        assert 'aria-invalid="true"' in resp.text
        assert 'value="01 23 45 67 89"' in resp.text
        error = re.search(r'<p class="fr-error-text" id="mobile-erreur">(.*?)</p>', resp.text)
        assert error is not None
        assert not error.group(1).isascii()  # identity's own French words


async def test_mes_cotisations_shows_the_account_the_schedule_and_what_is_payable(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/cotisations")
        assert page.status_code == 200, page.text
        assert "<h1>Mes cotisations</h1>" in page.text
        assert "<dd>Artisan</dd>" in page.text
        assert "<caption>Échéances de l'année" in page.text
        # amounts in French form: decimal comma, no-break spaces, the euro sign after
        amounts = re.findall(r"<td>([0-9\u00a0]+,[0-9]{2}\u00a0€)</td>", page.text)
        assert amounts, "no amount in French form on the page"
        # dates in words
        assert re.search(r"<td>\d{1,2}(er)? [a-zéû]+ 20\d\d</td>", page.text)
        # each amount to pay offers « Payer » or says why not
        async with world.client("identity") as identity:
            login = await identity.post(
                "/v1/auth/token", json={"username": ASSURE_EMAIL, "password": PASSWORD}
            )
            token = login.json()["access_token"]
        async with world.client("cotisations") as api:
            payables = (
                await api.get(
                    f"/v1/accounts/{world.affiliate_id}/payables",
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()["payables"]
        if not payables:  # paid by an earlier test
            assert "Rien n'est à régler pour le moment." in main_text(page.text)
        for item in payables:
            if item["payable"]:
                assert f"reference={quote(item['reference'], safe='')}" in page.text
            else:
                assert item["reason"] in main_text(page.text)  # as a reader gets it


async def test_an_assure_asks_for_an_attestation_and_downloads_it(world: Platform) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/attestations")
        assert page.status_code == 200, page.text
        assert "<h1>Mes attestations</h1>" in page.text
        resp = await browser.post(
            "/attestations", data={"csrf": form_token(page.text), "type": "affiliation"}
        )
        assert resp.status_code == 303, resp.text
        page = await browser.get("/attestations")
        assert "Votre attestation est prête" in page.text
        link = re.search(r'href="(/attestations/[^"]+/pdf)"', page.text)
        assert link is not None
        pdf = await browser.get(link.group(1))
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        code = re.search(r"<td>([A-Z0-9]{4}(?:[- ][A-Z0-9]{4}){3})</td>", page.text)
        assert code is not None
    async with world.portal() as anyone:
        checked = await anyone.get("/verification", params={"code": code.group(1)})
        assert checked.status_code == 200
        text = html.unescape(checked.text)
        assert "Attestation d'affiliation — Valide" in text
        assert "Titulaire : Jean Dupont (SIREN 732829320)" in text
        # the statement reads as on the PDF, a sentence of its own
        assert "La caisse atteste que Jean Dupont est affilié(e) depuis le " in text


async def test_an_unknown_security_code_is_said_plainly(world: Platform) -> None:
    async with world.portal() as anyone:
        resp = await anyone.get("/verification", params={"code": "AAAA-BBBB-CCCC-DDDD"})
        assert resp.status_code == 404
        assert "Aucune attestation ne porte ce code" in resp.text


async def test_a_firms_page_is_refused_to_an_assure_in_french(world: Platform) -> None:
    async with world.portal() as browser:
        await _signed_in(world, browser)
        resp = await browser.get("/clients")
        assert resp.status_code == 403
        assert "Cette page est réservée aux cabinets d'expertise comptable." in main_text(resp.text)
