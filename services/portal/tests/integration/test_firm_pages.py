"""A firm's pages over the real apps: its clients (searchable, paginated), « Ajouter un client »,
« Saisir la clé d'activation », then the client's dossier opened by the mandate."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from portal.domain.wording import CLIENT_STATES
from portal_platform import (
    CABINET_EMAIL,
    CLIENT_SIRET,
    SECOND_SIRET,
    Browser,
    Platform,
    form_token,
    main_text,
    sign_in,
)


async def _add(browser: Browser, identifier: str, name: str) -> str:
    page = await browser.get("/clients/ajouter")
    assert page.status_code == 200, page.text
    resp = await browser.post(
        "/clients/ajouter",
        data={"csrf": form_token(page.text), "identifiant": identifier, "nom": name},
    )
    assert (resp.status_code, resp.headers.get("location")) == (303, "/clients"), resp.text
    listed = await browser.get("/clients", params={"q": identifier[:9]})
    found = re.search(r'href="/clients/([^"/]+)/cle"', listed.text)
    assert found, main_text(listed.text)
    return found.group(1)


async def _ensure(browser: Browser, identifier: str, name: str) -> None:
    """The client in the firm's list (added unless an earlier test did)."""
    listed = await browser.get("/clients", params={"q": identifier[:9]})
    if "0 client pour" in main_text(listed.text):
        await _add(browser, identifier, name)


async def test_a_firm_adds_clients_searches_them_and_pages_through_them(
    world: Platform,
) -> None:
    async with world.portal(page_size=1) as browser:
        assert (await sign_in(browser, CABINET_EMAIL)).status_code == 303
        home = await browser.get("/")
        assert 'href="/clients"' in home.text
        await _ensure(browser, CLIENT_SIRET, "Boulangerie Dupont")
        await _ensure(browser, SECOND_SIRET, "Épicerie Durand")

        first = await browser.get("/clients")
        text = main_text(first.text)
        assert "2 clients — page 1 sur 2." in text
        sirens = {CLIENT_SIRET[:9], SECOND_SIRET[:9]}
        [on_first] = [s for s in sirens if s in text]
        assert 'href="/clients?page=2"' in first.text
        second = await browser.get("/clients?page=2")
        [on_second] = [s for s in sirens if s in main_text(second.text)]
        assert {on_first, on_second} == sirens
        assert "<title>Mes clients — page 2 sur 2 — " in second.text

        searched = await browser.get("/clients", params={"q": SECOND_SIRET[:9]})
        text = main_text(searched.text)
        assert f"1 client pour « {SECOND_SIRET[:9]} »." in text
        assert CLIENT_SIRET[:9] not in text
        assert any(state in text for state in CLIENT_STATES.values())


async def test_the_key_from_the_letter_opens_the_clients_dossier(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        listed = await browser.get("/clients", params={"q": CLIENT_SIRET[:9]})
        found = re.search(r'href="/clients/([^"/]+)/cle"', listed.text)
        client_id = found.group(1) if found else await _add(browser, CLIENT_SIRET, "Boulangerie")
        key = await world.key_of(client_id)

        page = await browser.get(f"/clients/{client_id}/cle")
        assert "<h1>Saisir la clé d'activation</h1>" in page.text
        assert 'autocomplete="off"' in page.text
        wrong = "".join("A" if c != "A" else "B" for c in key if c != "-")
        resp = await browser.post(
            f"/clients/{client_id}/cle", data={"csrf": form_token(page.text), "cle": wrong}
        )
        assert resp.status_code == 422
        assert 'id="cle-erreur"' in resp.text
        assert 'aria-describedby="cle-aide cle-erreur"' in resp.text

        resp = await browser.post(
            f"/clients/{client_id}/cle", data={"csrf": form_token(page.text), "cle": key.lower()}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/clients")
        listed = await browser.get("/clients", params={"q": CLIENT_SIRET[:9]})
        assert "Clé acceptée : le mandat est actif" in main_text(listed.text)
        assert "Mandat actif" in main_text(listed.text)

        await world.relay()  # the mandate's activation reaches cotisations and attestations
        dossier = re.search(r'href="(/dossiers/[^"]+/cotisations)"', listed.text)
        assert dossier is not None
        account = await browser.get(dossier.group(1))
        assert account.status_code == 200, main_text(account.text)
        assert "<h1>Cotisations du client</h1>" in account.text
        attestations = await browser.get(dossier.group(1).replace("cotisations", "attestations"))
        assert attestations.status_code == 200, main_text(attestations.text)


async def test_a_dossier_without_a_mandate_stays_closed(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        resp = await browser.get("/dossiers/an-affiliate-of-nobody/cotisations")
        assert resp.status_code == 404
        assert "Ce dossier est introuvable, ou vous n'y avez pas accès." in main_text(resp.text)


async def test_an_identifier_refused_by_mandates_is_shown_at_its_field(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        page = await browser.get("/clients/ajouter")
        resp = await browser.post(
            "/clients/ajouter",
            data={"csrf": form_token(page.text), "identifiant": "123456789", "nom": "Personne"},
        )
        assert resp.status_code in (409, 422)
        text = main_text(resp.text)
        assert "Personne" in resp.text  # what was typed is kept
        assert not text.isascii()


async def test_the_assures_pages_are_refused_to_a_firm_user(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        for path in ("/donnees-personnelles", "/cotisations", "/attestations"):
            resp = await browser.get(path)
            assert resp.status_code == 403, path
            assert "réservé" in main_text(resp.text)


async def test_a_lost_letter_gets_a_new_key_and_the_old_one_is_dead(world: Platform) -> None:
    await world.firm_signed_up("jeanne@cabinet-lyon.fr", "77123456")
    async with world.client("identity") as identity:
        links = await world.sealed_links("identity.account.activation_requested.v1")
        token = parse_qs(urlparse(links[-1]).query)["token"][0]
        assert (await identity.post("/v1/accounts/activation", json={"token": token})).is_success
    await world.relay()  # the new firm reaches mandates
    async with world.portal() as browser:
        await sign_in(browser, "jeanne@cabinet-lyon.fr")
        client_id = await _add(browser, CLIENT_SIRET, "Boulangerie Dupont")
        old_key = await world.key_of(client_id)
        page = await browser.get(f"/clients/{client_id}/cle")
        assert "Historique de la demande" in main_text(page.text)
        resp = await browser.post(
            f"/clients/{client_id}/nouvelle-cle", data={"csrf": form_token(page.text)}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, f"/clients/{client_id}/cle")
        page = await browser.get(f"/clients/{client_id}/cle")
        assert "Une nouvelle clé part par courrier" in main_text(page.text)
        new_key = await world.key_of(client_id)
        assert new_key != old_key
        refused = await browser.post(
            f"/clients/{client_id}/cle", data={"csrf": form_token(page.text), "cle": old_key}
        )
        assert refused.status_code == 422
        assert 'id="cle-erreur"' in refused.text
        # (the new key is not entered: the mandate would move Jean Dupont's dossier away from
        # the firm the other tests use; the key entry itself is tested above)
