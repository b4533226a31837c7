"""The links a firm user is offered follow the rights of the latest token: an administrator
takes ``clients`` away from a collaborator, and once the collaborator's access token is renewed
(the portal's clock moved past its ten minutes: no sleep) « Ajouter un client » is gone from
« Mes clients », without signing in again."""

from __future__ import annotations

import time

from portal_platform import (
    Browser,
    Platform,
    collaborator_of,
    firm_of_its_own,
    form_token,
    main_text,
    sign_in,
)

ADMIN = "ines@cabinet-droits.fr"
COLLABORATOR = "hugo@cabinet-droits.fr"
TEN_MINUTES_ON = 11 * 60
ADD_A_CLIENT = 'href="/clients/ajouter"'


class Clock:
    """The portal's clock, moved on by hand (identity's tokens keep their real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def _take_clients_away(admin: Browser, account_id: str) -> None:
    page_path = f"/comptes/{account_id}"
    page = await admin.get(page_path)
    assert page.status_code == 200, main_text(page.text)
    changed = await admin.post(
        f"{page_path}/droits", data={"csrf": form_token(page.text), "droits": ["read"]}
    )
    assert (changed.status_code, changed.headers["location"]) == (303, page_path)


async def test_a_right_taken_away_leaves_the_menu_at_the_next_renewal(world: Platform) -> None:
    await firm_of_its_own(world, ADMIN, "60523456")
    account_id = await collaborator_of(
        world, ADMIN, COLLABORATOR, ["read", "clients"], name=("Hugo", "Vidal")
    )
    clock = Clock()
    async with world.portal() as admin, world.portal(now=clock) as collaborator:
        await sign_in(admin, ADMIN)
        await sign_in(collaborator, COLLABORATOR)
        assert set(collaborator.session()["rights"]) == {"read", "clients"}
        clients = await collaborator.get("/clients")
        assert clients.status_code == 200, main_text(clients.text)
        assert ADD_A_CLIENT in clients.text

        await _take_clients_away(admin, account_id)
        await world.relay()
        # the access token still lives: the session keeps the rights it read, as the token does
        assert ADD_A_CLIENT in (await collaborator.get("/clients")).text
        signed_in_with = collaborator.session()["access_token"]

        clock.offset = TEN_MINUTES_ON  # the next page renews the token
        clients = await collaborator.get("/clients")
        assert clients.status_code == 200, main_text(clients.text)
        assert collaborator.session()["access_token"] != signed_in_with
        assert collaborator.session()["rights"] == ["read"]
        assert ADD_A_CLIENT not in clients.text
        assert "Ajouter un client" not in main_text(clients.text)
        assert "Mes clients" in main_text(clients.text)  # still signed in, on the same page
        home = main_text((await collaborator.get("/")).text)
        assert "Mes clients" in home
        assert "Ajouter un client" not in home  # « Mon compte »'s tiles follow the rights too
        assert "Ajouter des clients par fichier" not in home
