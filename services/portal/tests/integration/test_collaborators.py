"""A collaborator's access from « Gérer les comptes » over the real apps: a right taken away is
missing at the collaborator's next page once the session's token is renewed; a suspension
refuses the collaborator's next page and signs them out, a reactivation lets them back; a
removal after a confirmation; a new invitation for one who has not activated; the last
administrator kept, in French."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from portal_platform import (
    PASSWORD,
    Browser,
    Platform,
    collaborator_of,
    firm_of_its_own,
    form_token,
    main_text,
    registered_affiliate,
    sign_in,
)

ADMIN = "chloe@cabinet-collaborateurs.fr"
TEN_MINUTES_ON = 11 * 60  # past the access token's life: the portal renews it


class Clock:
    """The portal's clock, moved on by hand (identity's tokens keep their real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
async def firm(world: Platform) -> dict[str, str]:
    await firm_of_its_own(world, ADMIN, "60323456")
    return {
        "first": await registered_affiliate(world, "60300011", "Vannier"),
        "second": await registered_affiliate(world, "60300022", "Relieur"),
    }


async def _post(browser: Browser, page_path: str, action: str, **data: object) -> httpx.Response:
    page = await browser.get(page_path)
    assert page.status_code == 200, main_text(page.text)
    return await browser.post(action, data={"csrf": form_token(page.text), **data})


async def _subscribe_to_the_default_portfolio(admin: Browser, account_id: str) -> None:
    listed = await admin.get("/portefeuilles")
    default = re.search(r'href="(/portefeuilles/[^"/]+)">Cabinet 60323456</a>', listed.text)
    assert default, main_text(listed.text)
    path = default.group(1)
    resp = await _post(admin, path, f"{path}/abonnes", abonne=account_id)
    assert resp.status_code == 303, main_text(resp.text)


async def _add_client(browser: Browser, siret: str, name: str) -> httpx.Response:
    return await _post(browser, "/clients/ajouter", "/clients/ajouter", identifiant=siret, nom=name)


async def test_a_right_taken_away_is_missing_at_the_collaborators_next_page(
    world: Platform, firm: dict[str, str]
) -> None:
    account_id = await collaborator_of(
        world, ADMIN, "ana@cabinet-collaborateurs.fr", ["read", "clients"], name=("Ana", "Blanc")
    )
    clock = Clock()
    async with world.portal() as admin, world.portal(now=clock) as collaborator:
        await sign_in(admin, ADMIN)
        await _subscribe_to_the_default_portfolio(admin, account_id)
        await sign_in(collaborator, "ana@cabinet-collaborateurs.fr")
        added = await _add_client(collaborator, firm["first"], "Vannerie Morel")
        assert added.status_code == 303, main_text(added.text)

        page = f"/comptes/{account_id}"
        without_form_token = await admin.post(f"{page}/droits", data={"droits": "read"})
        assert without_form_token.status_code == 403
        none = await _post(admin, page, f"{page}/droits")
        assert none.status_code == 422
        assert 'id="droits-erreur"' in none.text
        changed = await _post(admin, page, f"{page}/droits", droits=["read"])
        assert (changed.status_code, changed.headers["location"]) == (303, page)
        text = main_text((await admin.get(page)).text)
        assert "Les droits de Ana Blanc sont changés." in text
        assert re.search(
            r'id="droit-clients" name="droits" value="clients">', (await admin.get(page)).text
        )
        assert "Consultation" in main_text((await admin.get("/comptes")).text)
        await world.relay()

        clock.offset = TEN_MINUTES_ON  # the next page renews the token: the right is gone
        refused = await _add_client(collaborator, firm["second"], "Reliure Faure")
        assert refused.status_code == 403, main_text(refused.text)
        assert "est nécessaire pour cette action" in main_text(refused.text)
        listed = main_text((await collaborator.get("/clients")).text)
        assert "Vannerie Morel" in listed  # still reads the clients (read)
        assert "Reliure Faure" not in listed


async def test_a_suspended_collaborator_is_refused_then_let_back_in(
    world: Platform, firm: dict[str, str]
) -> None:
    email = "basile@cabinet-collaborateurs.fr"
    account_id = await collaborator_of(world, ADMIN, email, ["read"], name=("Basile", "Noir"))
    clock = Clock()
    async with world.portal() as admin, world.portal(now=clock) as collaborator:
        await sign_in(admin, ADMIN)
        await _subscribe_to_the_default_portfolio(admin, account_id)
        await sign_in(collaborator, email)
        assert (await collaborator.get("/clients")).status_code == 200

        page = f"/comptes/{account_id}"
        suspended = await _post(admin, page, f"{page}/suspension")
        assert (suspended.status_code, suspended.headers["location"]) == (303, page)
        text = main_text((await admin.get(page)).text)
        assert "L'accès de Basile Noir est suspendu" in text
        assert "Suspendu" in text
        await world.relay()  # mandates learns it from identity's event

        refused = await collaborator.get("/clients")  # the token still lives: mandates refuses
        assert refused.status_code == 404, main_text(refused.text)
        assert "Ce cabinet est introuvable." in main_text(refused.text)  # mandates' words
        clock.offset = TEN_MINUTES_ON  # identity refuses to renew it: signed out
        out = await collaborator.get("/clients")
        assert (out.status_code, out.headers["location"]) == (303, "/connexion?suite=/clients")
        shut = await sign_in(collaborator, email)
        assert shut.status_code == 400
        assert "Identifiant ou mot de passe incorrect." in main_text(shut.text)

        reactivated = await _post(admin, page, f"{page}/reactivation")
        assert reactivated.status_code == 303
        assert "L'accès de Basile Noir est réactivé." in main_text((await admin.get(page)).text)
        await world.relay()
        assert (await sign_in(collaborator, email)).status_code == 303
        assert (await collaborator.get("/clients")).status_code == 200


async def test_the_last_administrator_is_kept_in_french(
    world: Platform, firm: dict[str, str]
) -> None:
    async with world.portal() as admin:
        await sign_in(admin, ADMIN)
        me = admin.session()["account_id"]
        page = await admin.get(f"/comptes/{me}")
        assert f'action="/comptes/{me}/suspension"' not in page.text  # not offered to oneself
        refused = await admin.post(
            f"/comptes/{me}/suspension", data={"csrf": form_token(page.text)}
        )
        assert refused.status_code == 409
        assert "Le cabinet doit garder au moins un administrateur actif." in main_text(refused.text)
        demoted = await _post(admin, f"/comptes/{me}", f"/comptes/{me}/droits", droits=["read"])
        assert demoted.status_code == 409
        assert "Le cabinet doit garder au moins un administrateur actif." in main_text(demoted.text)


async def test_a_removed_collaborator_cannot_sign_in_any_more(
    world: Platform, firm: dict[str, str]
) -> None:
    email = "carla@cabinet-collaborateurs.fr"
    account_id = await collaborator_of(world, ADMIN, email, ["read"], name=("Carla", "Vert"))
    async with world.portal() as admin:
        await sign_in(admin, ADMIN)
        confirm = await admin.get(f"/comptes/{account_id}/retrait")
        assert "Retirer le compte de Carla Vert ?" in main_text(confirm.text)
        done = await admin.post(
            f"/comptes/{account_id}/retrait", data={"csrf": form_token(confirm.text)}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/comptes")
        listed = main_text((await admin.get("/comptes")).text)
        assert "Le compte de Carla Vert est retiré du cabinet." in listed
        assert email not in listed
        assert (await admin.get(f"/comptes/{account_id}")).status_code == 404
    async with world.portal() as collaborator:
        shut = await sign_in(collaborator, email, PASSWORD)
        assert shut.status_code == 400
        assert "Identifiant ou mot de passe incorrect." in main_text(shut.text)


async def test_a_new_invitation_goes_to_a_collaborator_who_has_not_activated(
    world: Platform, firm: dict[str, str]
) -> None:
    email = "denis@cabinet-collaborateurs.fr"
    account_id = await collaborator_of(
        world, ADMIN, email, ["read"], name=("Denis", "Gris"), activate=False
    )
    sent = len(await world.sealed_links("identity.account.activation_requested.v1"))
    async with world.portal() as admin:
        await sign_in(admin, ADMIN)
        page = f"/comptes/{account_id}"
        assert "Invitation envoyée" in main_text((await admin.get(page)).text)
        resent = await _post(admin, page, f"{page}/invitation")
        assert (resent.status_code, resent.headers["location"]) == (303, page)
        assert f"Une nouvelle invitation est envoyée à {email}" in main_text(
            (await admin.get(page)).text
        )
    links = await world.sealed_links("identity.account.activation_requested.v1")
    assert len(links) == sent + 1
    token = parse_qs(urlparse(links[-1]).query)["token"][0]
    async with world.portal() as collaborator:
        form = await collaborator.get("/activation", params={"token": token})
        done = await collaborator.post(
            "/activation",
            data={"csrf": form_token(form.text), "token": token, "mot_de_passe": PASSWORD},
        )
        assert done.status_code == 303, main_text(done.text)
        assert (await sign_in(collaborator, email)).status_code == 303
