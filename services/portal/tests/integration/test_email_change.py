"""Changing one's e-mail address over identity's real app: asked from « Mes données
personnelles » (an assuré) or from « Mon compte » (a firm user), the link read from what
identity sealed for notifications' mail, opened (nothing changes on opening), confirmed; then
the person signs in with the new address and no more with the old one. An address taken or
invalid refused at the field in identity's words, a used or unknown link refused in French, and
each form without its token refused."""

from __future__ import annotations

import html
import re

from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    Browser,
    Platform,
    assure_of_its_own,
    email_confirmation_token,
    firm_of_its_own,
    form_token,
    main_text,
    sign_in,
)

REQUESTED = "identity.account.email_change_requested.v1"


def _error_at(page: str, field: str = "nouveau_courriel") -> str:
    said = re.search(rf'id="{field}-erreur">([^<]+)<', page)
    assert said is not None, f"no error at {field}"
    assert 'aria-invalid="true"' in page
    assert f'href="#{field}"' in page  # the error summary
    return html.unescape(said[1])


async def _confirmed(world: Platform, browser: Browser) -> str:
    """The mailed link opened in ``browser`` (nothing changes), then confirmed: the text of
    the page it lands on, its message."""
    token = await email_confirmation_token(world)
    page = await browser.get("/confirmation-email", params={"token": token})
    assert page.status_code == 200, main_text(page.text)
    assert 'action="/confirmation-email"' in page.text
    done = await browser.post(
        "/confirmation-email", data={"csrf": form_token(page.text), "token": token}
    )
    assert (done.status_code, done.headers["location"]) == (303, "/connexion")
    # signed in, the login page sends on to « Mon compte », the message with it
    return main_text((await browser.get("/connexion", follow_redirects=True)).text)


async def test_an_assure_changes_the_email_and_then_signs_in_with_the_new_one(
    world: Platform,
) -> None:
    old, new = "lucie.roux@exemple.fr", "lucie.roux@nouvelle-adresse.fr"
    await assure_of_its_own(world, "93200011", "Roux", old)
    async with world.portal() as browser:
        assert (await sign_in(browser, old)).status_code == 303
        page = await browser.get("/donnees-personnelles")
        assert 'action="/donnees-personnelles/adresse-electronique"' in page.text
        assert '<label class="fr-label" for="nouveau_courriel">' in page.text
        asked = await browser.post(
            "/donnees-personnelles/adresse-electronique",
            data={"csrf": form_token(page.text), "nouveau_courriel": new},
        )
        assert (asked.status_code, asked.headers["location"]) == (303, "/donnees-personnelles")
        page = await browser.get("/donnees-personnelles")
        text = main_text(page.text)
        assert f"Un lien de confirmation, valable 24 heures, vient d'être envoyé à {new}." in text
        assert f"Adresse électronique {old}" in text  # the old one stays until the link is used

    async with world.portal() as elsewhere:
        token = await email_confirmation_token(world)
        opened = await elsewhere.get("/confirmation-email", params={"token": token})
        assert opened.status_code == 200
        assert "Confirmer ma nouvelle adresse" in main_text(opened.text)
        assert (await sign_in(elsewhere, old)).status_code == 303  # opening changed nothing

    async with world.portal() as browser:
        said = await _confirmed(world, browser)
        assert f"Votre adresse électronique est changée : connectez-vous désormais avec {new}." in (
            said
        )
        refused = await sign_in(browser, old)
        assert refused.status_code == 400
        assert (await sign_in(browser, new)).status_code == 303
        page = await browser.get("/donnees-personnelles")
        assert f"Adresse électronique {new}" in main_text(page.text)

    async with world.portal() as browser:
        token = await email_confirmation_token(world)
        page = await browser.get("/confirmation-email", params={"token": token})
        used = await browser.post(
            "/confirmation-email", data={"csrf": form_token(page.text), "token": token}
        )
        assert used.status_code == 409
        text = main_text(used.text)
        assert "Ce lien de confirmation d'adresse électronique a déjà été utilisé." in text
        assert 'action="/confirmation-email"' not in used.text  # no button to press again
        unknown = await browser.post(
            "/confirmation-email",
            data={"csrf": form_token(page.text), "token": "x" * 43},
        )
        assert unknown.status_code == 404
        assert "Ce lien de confirmation d'adresse électronique n'est pas valide." in main_text(
            unknown.text
        )


async def test_an_address_taken_or_invalid_is_refused_at_the_field(world: Platform) -> None:
    sent = len(await world.sealed_links(REQUESTED))
    async with world.portal() as browser:
        assert (await sign_in(browser, ASSURE_EMAIL)).status_code == 303
        page = await browser.get("/donnees-personnelles")
        csrf = form_token(page.text)
        taken = await browser.post(
            "/donnees-personnelles/adresse-electronique",
            data={"csrf": csrf, "nouveau_courriel": CABINET_EMAIL},
        )
        assert taken.status_code == 409
        said = _error_at(taken.text)
        assert said == "Cette adresse électronique est déjà utilisée par un compte."
        assert f'value="{CABINET_EMAIL}"' in taken.text  # what was typed is kept
        assert "<h1>Mes données personnelles</h1>" in taken.text

        invalid = await browser.post(
            "/donnees-personnelles/adresse-electronique",
            data={"csrf": csrf, "nouveau_courriel": "pas-une-adresse"},
        )
        assert invalid.status_code == 422
        assert _error_at(invalid.text) == (  # identity's words
            "Cette adresse électronique n'est pas valide (exemple : nom@domaine.fr)."
        )
        empty = await browser.post(
            "/adresse-electronique", data={"csrf": csrf, "nouveau_courriel": ""}
        )
        assert empty.status_code == 422
        assert _error_at(empty.text) == "Saisissez votre nouvelle adresse électronique."
    assert len(await world.sealed_links(REQUESTED)) == sent


async def test_a_firm_user_changes_the_email_from_mon_compte(world: Platform) -> None:
    old, new = "hugo@cabinet-courriel.fr", "hugo.martin@cabinet-courriel.fr"
    await firm_of_its_own(world, old, "93900022")
    async with world.portal() as browser:
        assert (await sign_in(browser, old)).status_code == 303
        home = await browser.get("/")
        assert 'href="/adresse-electronique"' in home.text
        page = await browser.get("/adresse-electronique")
        assert page.status_code == 200
        csrf = form_token(page.text)
        taken = await browser.post(
            "/adresse-electronique", data={"csrf": csrf, "nouveau_courriel": ASSURE_EMAIL}
        )
        assert taken.status_code == 409
        assert (
            _error_at(taken.text) == "Cette adresse électronique est déjà utilisée par un compte."
        )
        asked = await browser.post(
            "/adresse-electronique", data={"csrf": csrf, "nouveau_courriel": new}
        )
        assert (asked.status_code, asked.headers["location"]) == (303, "/")
        assert f"vient d'être envoyé à {new}" in main_text((await browser.get("/")).text)

    async with world.portal() as browser:
        await _confirmed(world, browser)
        assert (await sign_in(browser, old)).status_code == 400
        assert (await sign_in(browser, new)).status_code == 303
        assert "Mes clients" in main_text((await browser.get("/")).text)


async def test_each_form_without_its_token_is_refused(world: Platform) -> None:
    email = "yanis.perrin@exemple.fr"
    await assure_of_its_own(world, "93200022", "Perrin", email)
    sent = len(await world.sealed_links(REQUESTED))
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        for path in ("/donnees-personnelles/adresse-electronique", "/adresse-electronique"):
            for csrf in ("", "un-autre-jeton"):
                data = {"csrf": csrf, "nouveau_courriel": "yanis@ailleurs.fr"}
                refused = await browser.post(path, data=data)
                assert refused.status_code == 403, path
                assert "Formulaire refusé" in main_text(refused.text)
        assert len(await world.sealed_links(REQUESTED)) == sent

        page = await browser.get("/donnees-personnelles")
        asked = await browser.post(
            "/donnees-personnelles/adresse-electronique",
            data={"csrf": form_token(page.text), "nouveau_courriel": "yanis@ailleurs.fr"},
        )
        assert asked.status_code == 303
        token = await email_confirmation_token(world)
        refused = await browser.post("/confirmation-email", data={"csrf": "", "token": token})
        assert refused.status_code == 403
        assert "Formulaire refusé" in main_text(refused.text)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303  # the link was not used
        said = await _confirmed(world, browser)
        assert "yanis@ailleurs.fr" in said
