"""« Gérer les comptes » and « Ajouter un compte »: an administrator invites a
collaborator, who activates the account from the mailed link and chooses a password there;
a collaborator without ``admin`` is refused by identity."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from portal_platform import CABINET_EMAIL, PASSWORD, Platform, form_token, main_text, sign_in

COLLABORATOR = "paul.collab@cabinet-martin.fr"


async def test_an_administrator_invites_a_collaborator_who_activates_and_signs_in(
    world: Platform,
) -> None:
    async with world.portal() as admin:
        await sign_in(admin, CABINET_EMAIL)
        page = await admin.get("/comptes")
        assert page.status_code == 200, main_text(page.text)
        assert CABINET_EMAIL in page.text
        assert 'href="/comptes"' in page.text  # in the administrator's menu

        fields = {"csrf": form_token(page.text), "prenom": "Paul", "nom": "Collab"}
        no_rights = await admin.post("/comptes", data={**fields, "courriel": COLLABORATOR})
        assert no_rights.status_code == 422
        assert 'id="droits-erreur"' in no_rights.text
        assert "Choisissez au moins un droit." in main_text(no_rights.text)

        taken = await admin.post(
            "/comptes", data={**fields, "courriel": CABINET_EMAIL, "droits": "read"}
        )
        assert taken.status_code == 409
        assert not main_text(taken.text).isascii()

        resp = await admin.post(
            "/comptes", data={**fields, "courriel": COLLABORATOR, "droits": ["read", "clients"]}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/comptes")
        text = main_text((await admin.get("/comptes")).text)
        assert "Paul Collab est invité" in text
        assert "Invitation envoyée" in text

    link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
    token = parse_qs(urlparse(link).query)["token"][0]
    async with world.portal() as collaborator:
        page = await collaborator.get("/activation", params={"token": token})
        resp = await collaborator.post(
            "/activation",
            data={"csrf": form_token(page.text), "token": token, "mot_de_passe": PASSWORD},
        )
        assert resp.status_code == 303, main_text(resp.text)
        assert (await sign_in(collaborator, COLLABORATOR)).status_code == 303
        menu = await collaborator.get("/clients")
        assert menu.status_code == 200
        assert 'href="/comptes"' not in menu.text  # not an administrator
        refused = await collaborator.get("/comptes")
        assert refused.status_code == 403
        assert not main_text(refused.text).isascii()
