"""« Portefeuilles et abonnés » over the real apps: an administrator creates, renames and
deletes portfolios (the default one and a portfolio with clients refused, in French), moves
a client from its page, subscribes a collaborator, who then sees the portfolio's clients in
« Mes clients » and no more once unsubscribed, transfers a portfolio to another
administrator; the clients filtered by portfolio; a client removed after a confirmation."""

from __future__ import annotations

import re

import httpx
import pytest
from portal_platform import (
    Browser,
    Platform,
    collaborator_of,
    firm_of_its_own,
    form_token,
    main_text,
    registered_affiliate,
    sign_in,
)

ADMIN = "bruno@cabinet-portefeuilles.fr"
SECOND_ADMIN = "ines@cabinet-portefeuilles.fr"
COLLABORATOR = "theo@cabinet-portefeuilles.fr"


@pytest.fixture(scope="module")
async def firm(world: Platform) -> dict[str, str]:
    await firm_of_its_own(world, ADMIN, "60223456")
    return {
        "first": await registered_affiliate(world, "60200011", "Potier"),
        "second": await registered_affiliate(world, "60200022", "Tailleur"),
        "third": await registered_affiliate(world, "60200033", "Horloger"),
    }


async def _post(browser: Browser, page_path: str, action: str, **data: str) -> httpx.Response:
    """A form of ``page_path`` sent as a person would, with the page's form token."""
    page = await browser.get(page_path)
    assert page.status_code == 200, main_text(page.text)
    return await browser.post(action, data={"csrf": form_token(page.text), **data})


async def _add_client(browser: Browser, siret: str, name: str) -> str:
    resp = await _post(browser, "/clients/ajouter", "/clients/ajouter", identifiant=siret, nom=name)
    assert resp.status_code == 303, main_text(resp.text)
    listed = await browser.get("/clients", params={"q": siret[:9]})
    found = re.search(r'href="/clients/([^"/]+)/fiche"', listed.text)
    assert found, main_text(listed.text)
    return found.group(1)


async def _create(browser: Browser, name: str) -> httpx.Response:
    return await _post(browser, "/portefeuilles", "/portefeuilles", nom=name)


async def _portfolio_id(browser: Browser, name: str) -> str:
    page = await browser.get("/portefeuilles")
    found = re.search(rf'href="/portefeuilles/([^"/]+)">{re.escape(name)}</a>', page.text)
    assert found, main_text(page.text)
    return found.group(1)


async def _move(browser: Browser, client_id: str, portfolio_id: str) -> httpx.Response:
    fiche = f"/clients/{client_id}/fiche"
    return await _post(
        browser, fiche, f"/clients/{client_id}/portefeuille", portefeuille=portfolio_id
    )


async def test_portfolios_are_created_renamed_and_deleted_with_their_refusals(
    world: Platform, firm: dict[str, str]
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        listed = await browser.get("/portefeuilles")
        assert listed.status_code == 200, main_text(listed.text)
        assert 'href="/portefeuilles"' in listed.text  # in the administrator's menu
        text = main_text(listed.text)
        assert "Cabinet 60223456 Par défaut" in text  # named after the firm
        assert "Paul Durand" in text  # its responsible, and the firm's administrator

        empty = await _create(browser, "  ")
        assert empty.status_code == 422
        assert 'id="nom-erreur"' in empty.text
        assert 'aria-invalid="true"' in empty.text

        created = await _create(browser, "Clients Lyon")
        assert created.status_code == 303, main_text(created.text)
        portfolio_path = created.headers["location"]
        page = main_text((await browser.get(portfolio_path)).text)
        assert "Le portefeuille « Clients Lyon » est créé." in page

        taken = await _create(browser, "clients lyon")
        assert taken.status_code == 409
        assert 'id="nom-erreur"' in taken.text
        assert "Un portefeuille s'appelle déjà « clients lyon »." in main_text(taken.text)

        renamed = await _post(browser, portfolio_path, f"{portfolio_path}/nom", nom="Clients Rhône")
        assert (renamed.status_code, renamed.headers["location"]) == (303, portfolio_path)
        page = main_text((await browser.get(portfolio_path)).text)
        assert "Portefeuille « Clients Rhône »" in page

        default_id = await _portfolio_id(browser, "Cabinet 60223456")
        default_path = f"/portefeuilles/{default_id}"
        kept = await _post(browser, f"{default_path}/suppression", f"{default_path}/suppression")
        assert kept.status_code == 409
        assert "Le portefeuille par défaut du cabinet ne peut pas être supprimé." in (
            main_text(kept.text)
        )

        # a client moved from its page into the new portfolio: not empty any more
        client_id = await _add_client(browser, firm["first"], "Poterie Vidal")
        rhone_id = portfolio_path.rsplit("/", 1)[1]
        moved = await _move(browser, client_id, rhone_id)
        assert (moved.status_code, moved.headers["location"]) == (
            303,
            f"/clients/{client_id}/fiche",
        )
        fiche = main_text((await browser.get(f"/clients/{client_id}/fiche")).text)
        assert "Poterie Vidal est rangé dans le portefeuille « Clients Rhône »." in fiche
        filtered = main_text(
            (await browser.get("/clients", params={"portefeuille": rhone_id})).text
        )
        assert "1 client." in filtered
        assert "Poterie Vidal" in filtered
        others = main_text(
            (await browser.get("/clients", params={"portefeuille": default_id})).text
        )
        assert "Poterie Vidal" not in others

        full = await _post(
            browser, f"{portfolio_path}/suppression", f"{portfolio_path}/suppression"
        )
        assert full.status_code == 409
        assert "Ce portefeuille contient des clients : déplacez-les avant de le supprimer." in (
            main_text(full.text)
        )

        assert (await _move(browser, client_id, default_id)).status_code == 303
        gone = await _post(
            browser, f"{portfolio_path}/suppression", f"{portfolio_path}/suppression"
        )
        assert (gone.status_code, gone.headers["location"]) == (303, "/portefeuilles")
        listed = main_text((await browser.get("/portefeuilles")).text)
        assert "Le portefeuille « Clients Rhône » est supprimé." in listed
        assert "Clients Rhône" not in listed.replace("« Clients Rhône »", "")


async def test_a_subscription_opens_a_portfolios_clients_to_a_collaborator_and_closes_them(
    world: Platform, firm: dict[str, str]
) -> None:
    collaborator_id = await collaborator_of(
        world, ADMIN, COLLABORATOR, ["read", "clients"], name=("Théo", "Martin")
    )
    async with world.portal() as admin, world.portal() as collaborator:
        await sign_in(admin, ADMIN)
        assert (await _create(admin, "Clients Annecy")).status_code == 303
        annecy_id = await _portfolio_id(admin, "Clients Annecy")
        annecy = f"/portefeuilles/{annecy_id}"
        client_id = await _add_client(admin, firm["second"], "Atelier Roux")
        assert (await _move(admin, client_id, annecy_id)).status_code == 303

        await sign_in(collaborator, COLLABORATOR)
        assert "Atelier Roux" not in main_text((await collaborator.get("/clients")).text)
        assert (await collaborator.get(f"/clients/{client_id}/fiche")).status_code == 404

        added = await _post(admin, annecy, f"{annecy}/abonnes", abonne=collaborator_id)
        assert (added.status_code, added.headers["location"]) == (303, annecy)
        page = main_text((await admin.get(annecy)).text)
        assert "Théo Martin est abonné au portefeuille" in page
        assert "Retirer l'abonnement de Théo Martin" in page

        seen = main_text((await collaborator.get("/clients")).text)
        assert "Atelier Roux" in seen
        assert "Clients Annecy" in seen
        assert (await collaborator.get(f"/clients/{client_id}/fiche")).status_code == 200
        account = main_text((await admin.get(f"/comptes/{collaborator_id}")).text)
        assert "Portefeuilles suivis Clients Annecy" in account

        removed = await _post(admin, annecy, f"{annecy}/abonnes/{collaborator_id}/retrait")
        assert removed.status_code == 303
        assert "Atelier Roux" not in main_text((await collaborator.get("/clients")).text)
        assert (await collaborator.get(f"/clients/{client_id}/fiche")).status_code == 404

        # a collaborator manages no portfolio: mandates and identity refuse, in French
        refused = await collaborator.get("/portefeuilles")
        assert refused.status_code == 403
        assert not main_text(refused.text).isascii()


async def test_a_portfolio_is_transferred_to_another_administrator(
    world: Platform, firm: dict[str, str]
) -> None:
    await collaborator_of(world, ADMIN, SECOND_ADMIN, ["admin"], name=("Inès", "Roy"))
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        assert (await _create(browser, "Clients Chambéry")).status_code == 303
        path = f"/portefeuilles/{await _portfolio_id(browser, 'Clients Chambéry')}"
        page = await browser.get(path)
        assert "Responsable Paul Durand" in main_text(page.text)
        second_id = re.search(r'<option value="([^"]+)">Inès Roy</option>', page.text)
        assert second_id, main_text(page.text)
        done = await _post(browser, path, f"{path}/transfert", responsable=second_id.group(1))
        assert (done.status_code, done.headers["location"]) == (303, path)
        text = main_text((await browser.get(path)).text)
        assert "Le portefeuille est transféré à Inès Roy" in text
        assert "Responsable Inès Roy" in text


async def test_a_removed_client_leaves_the_list_after_a_confirmation(
    world: Platform, firm: dict[str, str]
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        client_id = await _add_client(browser, firm["third"], "Horlogerie Petit")
        fiche = await browser.get(f"/clients/{client_id}/fiche")
        assert f'href="/clients/{client_id}/suppression"' in fiche.text
        confirm = await browser.get(f"/clients/{client_id}/suppression")
        text = main_text(confirm.text)
        assert "Retirer Horlogerie Petit de vos clients ?" in text
        assert "la clé d'activation de son courrier ne vaudra plus rien" in text

        refused = await browser.post(f"/clients/{client_id}/suppression", data={"csrf": "x"})
        assert refused.status_code == 403  # the form token first: nothing is deleted
        assert "Horlogerie Petit" in main_text((await browser.get("/clients")).text)

        done = await browser.post(
            f"/clients/{client_id}/suppression", data={"csrf": form_token(confirm.text)}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/clients")
        listed = main_text((await browser.get("/clients")).text)
        assert "Horlogerie Petit ne fait plus partie de vos clients." in listed
        assert "Horlogerie Petit" not in listed.replace("Horlogerie Petit ne fait plus partie", "")
        closed = main_text((await browser.get("/clients", params={"etat": "clos"})).text)
        assert "Horlogerie Petit" in closed
        assert "Supprimé" in closed
        again = await browser.post(
            f"/clients/{client_id}/suppression", data={"csrf": form_token(confirm.text)}
        )
        assert again.status_code == 409
        assert not main_text(again.text).isascii()
