"""« Désactiver mon compte »: the confirmation page says what it does and changes nothing,
then the account is deactivated: signed out, the login refused in French, nothing else open;
a firm's user gets the French 403; a form without its token is refused."""

from __future__ import annotations

from portal_platform import (
    CABINET_EMAIL,
    Platform,
    assure_of_its_own,
    form_token,
    main_text,
    sign_in,
)

PAGE = "/donnees-personnelles/desactivation"


async def test_an_assure_deactivates_the_account_after_confirming_and_can_no_longer_sign_in(
    world: Platform,
) -> None:
    email = "marc.petit@exemple.fr"
    await assure_of_its_own(world, "94400011", "Petit", email)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        personal = await browser.get("/donnees-personnelles")
        assert f'href="{PAGE}"' in personal.text
        page = await browser.get(PAGE)
        assert page.status_code == 200
        text = main_text(page.text)
        assert "vous ne pourrez plus vous connecter" in text
        assert "vos données, vos cotisations et vos attestations restent conservées" in text
        # opening the page changes nothing: the person is still signed in
        assert (await browser.get("/donnees-personnelles")).status_code == 200

        forged = await browser.post(PAGE, data={"csrf": "pas-le-bon"})
        assert forged.status_code == 403
        assert (await browser.get("/donnees-personnelles")).status_code == 200

        done = await browser.post(PAGE, data={"csrf": form_token(page.text)})
        assert (done.status_code, done.headers["location"]) == (303, "/connexion")
        login = main_text((await browser.get("/connexion")).text)
        assert "Votre compte est désactivé : vous ne pouvez plus vous connecter." in login
        after = await browser.get("/donnees-personnelles")
        assert after.status_code == 303  # signed out
        refused = await sign_in(browser, email)
        assert refused.status_code != 303
        # identity answers a deactivated account as any refused login (nothing is revealed)
        assert "Identifiant ou mot de passe incorrect." in main_text(refused.text)


async def test_a_firms_user_has_no_deactivation_page(world: Platform) -> None:
    async with world.portal() as browser:
        assert (await sign_in(browser, CABINET_EMAIL)).status_code == 303
        page = await browser.get(PAGE)
        assert page.status_code == 403
        assert "réservée aux assurés" in main_text(page.text)
