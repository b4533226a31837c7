"""Signing up through the site: an assuré by the facts the registry knows, a firm with its first
administrator — then the mailed link, the login, « Mon compte »."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlparse

from identity_registry_samples import incoming, record
from portal_platform import PASSWORD, Platform, form_token, main_text, sign_in, siret_of
from stdnum.fr import nir as stdnum_nir

NIR_BODY = "1450269123456"
NIR = NIR_BODY + stdnum_nir.calc_check_digits(NIR_BODY)
EMAIL = "andre@martin-retraite.fr"


async def _last_link(world: Platform) -> str:
    link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
    return parse_qs(urlparse(link).query)["token"][0]


async def test_a_pensioner_signs_up_activates_and_sees_the_teleservices_of_a_retraite(
    world: Platform,
) -> None:
    siret = siret_of("88123456", "0001")
    pensioner = record(
        siren=siret[:9], sirets=[siret], nir=NIR, birth_name="Martin", first_names="André",
        birth_date=date(1945, 2, 14), category="retraite", email=None,
    )  # fmt: skip
    await world.identity.on_registry_record(incoming(pensioner, "registry-pensioner"))
    async with world.portal() as browser:
        page = await browser.get("/inscription")
        fields = {
            "csrf": form_token(page.text),
            "nir": NIR,
            "nom_naissance": "Martin",
            "courriel": EMAIL,
            "mot_de_passe": PASSWORD,
        }
        wrong = await browser.post("/inscription", data={**fields, "date_naissance": "15/02/1945"})
        assert wrong.status_code == 422
        assert not main_text(wrong.text).isascii()
        assert PASSWORD not in wrong.text  # a password is never written back
        assert f'value="{NIR}"' in wrong.text

        resp = await browser.post("/inscription", data={**fields, "date_naissance": "14/02/1945"})
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
        assert "un lien d'activation, valable 48 heures" in main_text(
            (await browser.get("/connexion")).text
        )
        token = await _last_link(world)
        page = await browser.get("/activation", params={"token": token})
        await browser.post("/activation", data={"csrf": form_token(page.text), "token": token})
        assert (await sign_in(browser, EMAIL)).status_code == 303
        home = await browser.get("/")
        titles = re.findall(r'<h2 class="fr-tile__title">\s*(.*?)\s*</h2>', home.text, re.S)
        labels = [re.sub(r"<[^>]+>", "", t).strip() for t in titles]
        assert labels == ["Mes données personnelles", "Ma santé", "Mes attestations"]


async def test_a_firm_signs_up_and_a_bad_siret_is_said_at_its_field(world: Platform) -> None:
    async with world.portal() as browser:
        page = await browser.get("/inscription-cabinet")
        fields = {
            "csrf": form_token(page.text),
            "raison_sociale": "Cabinet Petit",
            "adresse": "3 rue Neuve, 33000 Bordeaux",
            "prenom": "Anne",
            "nom": "Petit",
            "courriel": "anne@cabinet-petit.fr",
            "mot_de_passe": PASSWORD,
        }
        bad = await browser.post("/inscription-cabinet", data={**fields, "siret": "12345678901234"})
        assert bad.status_code == 422
        assert 'id="siret-erreur"' in bad.text
        missing = await browser.post("/inscription-cabinet", data={**fields, "siret": ""})
        assert missing.status_code == 422
        assert "Ce champ est obligatoire." in main_text(missing.text)
        resp = await browser.post(
            "/inscription-cabinet", data={**fields, "siret": siret_of("99123456", "0001")}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
        token = await _last_link(world)
        page = await browser.get("/activation", params={"token": token})
        await browser.post("/activation", data={"csrf": form_token(page.text), "token": token})
        assert (await sign_in(browser, "anne@cabinet-petit.fr")).status_code == 303
        assert 'href="/clients"' in (await browser.get("/")).text
