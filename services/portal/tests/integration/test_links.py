"""The pages the mails' links open: an account's activation, a forgotten password, its reset —
over identity's real app."""

from __future__ import annotations

from portal_platform import PASSWORD, Platform, form_token, main_text, sign_in

NEW_PASSWORD = "Une autre phrase, tout aussi solide"


async def test_opening_the_activation_link_only_shows_a_form_and_sending_it_activates(
    world: Platform,
) -> None:
    token = await world.firm_signed_up("paul@cabinet-durand.fr", "55123456")
    async with world.portal() as browser:
        page = await browser.get("/activation", params={"token": token})
        assert page.status_code == 200
        assert "<h1>Activer mon compte</h1>" in page.text
        # opened is not activated: a mail scanner following the link activates nothing
        refused = await sign_in(browser, "paul@cabinet-durand.fr")
        assert refused.status_code == 400

        page = await browser.get("/activation", params={"token": token})
        resp = await browser.post(
            "/activation", data={"csrf": form_token(page.text), "token": token}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
        assert "Votre compte est activé" in main_text((await browser.get("/connexion")).text)
        assert (await sign_in(browser, "paul@cabinet-durand.fr")).status_code == 303

    async with world.portal() as browser:
        page = await browser.get("/activation", params={"token": token})
        again = await browser.post(
            "/activation", data={"csrf": form_token(page.text), "token": token}
        )
        assert again.status_code == 409
        assert "déjà" in main_text(again.text)


async def test_an_unknown_activation_link_is_refused_in_french(world: Platform) -> None:
    async with world.portal() as browser:
        page = await browser.get("/activation", params={"token": "x" * 43})
        resp = await browser.post(
            "/activation", data={"csrf": form_token(page.text), "token": "x" * 43}
        )
        assert resp.status_code == 404
        assert not main_text(resp.text).isascii()


async def test_a_forgotten_password_is_reset_through_the_mailed_link(world: Platform) -> None:
    email = "lea@cabinet-martin-lyon.fr"
    token = await world.firm_signed_up(email, "66123456")
    async with world.client("identity") as identity:
        assert (await identity.post("/v1/accounts/activation", json={"token": token})).is_success
    async with world.portal() as browser:
        page = await browser.get("/mot-de-passe-oublie")
        resp = await browser.post(
            "/mot-de-passe-oublie", data={"csrf": form_token(page.text), "courriel": email}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/connexion")
        assert "un lien de réinitialisation vient d'y être envoyé" in main_text(
            (await browser.get("/connexion")).text
        )

        reset = await world.reset_token()
        page = await browser.get("/reinitialisation", params={"token": reset})
        fields = {"csrf": form_token(page.text), "token": reset}
        mismatch = await browser.post(
            "/reinitialisation",
            data={**fields, "mot_de_passe": NEW_PASSWORD, "confirmation": "autre chose"},
        )
        assert mismatch.status_code == 422
        assert 'id="confirmation-erreur"' in mismatch.text
        weak = await browser.post(
            "/reinitialisation", data={**fields, "mot_de_passe": "court", "confirmation": "court"}
        )
        assert weak.status_code == 422
        assert 'id="mot_de_passe-erreur"' in weak.text
        done = await browser.post(
            "/reinitialisation",
            data={**fields, "mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        )
        assert (done.status_code, done.headers["location"]) == (303, "/connexion")
        assert (await sign_in(browser, email, PASSWORD)).status_code == 400
        assert (await sign_in(browser, email, NEW_PASSWORD)).status_code == 303


async def test_a_link_cut_short_is_said_as_such_not_as_a_field_named_token(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        for path, extra in (
            ("/activation", {}),
            ("/reinitialisation", {"mot_de_passe": NEW_PASSWORD, "confirmation": NEW_PASSWORD}),
        ):
            page = await browser.get(path, params={"token": "abc"})
            resp = await browser.post(
                path, data={"csrf": form_token(page.text), "token": "abc", **extra}
            )
            assert resp.status_code == 422, (path, resp.text)
            text = main_text(resp.text)
            assert "Ce lien n'est pas complet" in text, (path, text)
            assert "token" not in text, (path, text)
