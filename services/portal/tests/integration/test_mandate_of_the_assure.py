"""« Gérer le mandat Expert-comptable » and the consent switch, for the assuré, over identity's
and mandates' real apps."""

from __future__ import annotations

from portal_platform import (
    SECOND_EMAIL,
    SECOND_SIRET,
    Platform,
    form_token,
    main_text,
    sign_in,
)


async def test_the_assure_sees_the_firm_holding_the_mandate_and_revokes_it(
    world: Platform,
) -> None:
    await world.sign_up_second_assure()
    await world.active_mandate(SECOND_SIRET)
    async with world.portal() as browser:
        assert (await sign_in(browser, SECOND_EMAIL)).status_code == 303
        page = await browser.get("/donnees-personnelles/mandat")
        assert page.status_code == 200, main_text(page.text)
        text = main_text(page.text)
        assert "Cabinet Martin Expertise détient votre mandat depuis le" in text
        assert "Révoquer le mandat de Cabinet Martin Expertise" in text

        resp = await browser.post(
            "/donnees-personnelles/mandat/revocation", data={"csrf": form_token(page.text)}
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/donnees-personnelles/mandat")
        text = main_text((await browser.get("/donnees-personnelles/mandat")).text)
        assert "Votre mandat est révoqué" in text
        assert "Aucun cabinet ne détient de mandat sur votre dossier." in text
        assert "Mandats passés" in text


async def test_the_assure_turns_the_consent_switch_off_and_on(world: Platform) -> None:
    await world.sign_up_second_assure()
    async with world.portal() as browser:
        await sign_in(browser, SECOND_EMAIL)
        page = await browser.get("/donnees-personnelles")
        resp = await browser.post(
            "/donnees-personnelles/consentement",
            data={"csrf": form_token(page.text), "autorise": "non"},
        )
        assert resp.status_code == 303
        page = await browser.get("/donnees-personnelles")
        text = main_text(page.text)
        assert "Aucun cabinet ne peut plus inscrire votre SIREN parmi ses clients." in text
        assert "Inscription de votre SIREN par un tiers déclarant Refusée" in text
        assert 'id="autorise-non" name="autorise" value="non" checked' in page.text
        await browser.post(
            "/donnees-personnelles/consentement",
            data={"csrf": form_token(page.text), "autorise": "oui"},
        )
        page = await browser.get("/donnees-personnelles")
        assert 'id="autorise-oui" name="autorise" value="oui" checked' in page.text
