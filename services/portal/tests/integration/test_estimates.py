"""« Estimer mon revenu »: the preview of the échéancier rectificatif, the estimate
sent, then the month's lock said in French — over cotisations' real app."""

from __future__ import annotations

import re

from portal_platform import ASSURE_EMAIL, SECOND_EMAIL, Platform, form_token, main_text, sign_in


def _year_in(page: str) -> str:
    found = re.search(r'id="annee" name="annee" value="(\d{4})"', page)
    assert found, "no year in the form"
    return found.group(1)


async def test_an_assure_previews_then_sends_an_estimate_and_is_told_of_the_lock(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        account = await browser.get("/cotisations")
        assert 'href="/cotisations/estimation"' in account.text
        page = await browser.get("/cotisations/estimation")
        assert page.status_code == 200
        csrf = form_token(page.text)

        wrong = await browser.post(
            "/cotisations/estimation",
            data={"csrf": csrf, "annee": _year_in(page.text), "revenu": "beaucoup"},
        )
        assert wrong.status_code == 422
        assert 'id="revenu-erreur"' in wrong.text

        preview = await browser.post(
            "/cotisations/estimation",
            data={"csrf": csrf, "annee": _year_in(page.text), "revenu": "42 000,00"},
        )
        if preview.status_code == 422:  # the year that may be estimated today is another
            assert not main_text(preview.text).isascii()
            preview = await browser.post(
                "/cotisations/estimation",
                data={"csrf": csrf, "annee": _year_in(preview.text), "revenu": "42 000,00"},
            )
        assert preview.status_code == 200, main_text(preview.text)
        text = main_text(preview.text)
        assert "Pour un revenu estimé de 42\u00a0000,00\u00a0€" in text
        assert re.search(r"s'appliquerait à partir du \d{1,2}(er)? [a-zéû]+ 20\d\d", text)
        assert "Échéances rectifiées" in text

        year = re.search(r'name="annee" value="(\d{4})"', preview.text)
        assert year is not None
        sent = await browser.post(
            "/cotisations/estimation/envoi",
            data={"csrf": form_token(preview.text), "annee": year.group(1), "revenu": "42000.00"},
        )
        assert (sent.status_code, sent.headers["location"]) == (303, "/cotisations")
        assert "Votre estimation est enregistrée" in main_text(
            (await browser.get("/cotisations")).text
        )

        locked = await browser.post(
            "/cotisations/estimation",
            data={"csrf": csrf, "annee": year.group(1), "revenu": "30 000"},
        )
        assert locked.status_code == 409
        assert re.search(r"\d{1,2}(er)? [a-zéû]+ 20\d\d", main_text(locked.text))


async def test_a_definitive_income_regularises_its_year_and_fills_the_releve_de_carriere(
    world: Platform,
) -> None:
    await world.sign_up_second_assure()
    async with world.portal() as browser:
        await sign_in(browser, SECOND_EMAIL)
        page = await browser.get("/cotisations/revenus")
        assert page.status_code == 200
        year = _year_in(page.text)
        career = main_text((await browser.get("/releve-de-carriere")).text)
        if f" {year} " not in career:
            resp = await browser.post(
                "/cotisations/revenus",
                data={"csrf": form_token(page.text), "annee": year, "revenu": "38 500"},
            )
            assert resp.status_code == 200, main_text(resp.text)
            text = main_text(resp.text)
            assert f"Revenu {year} déclaré : 38\u00a0500,00\u00a0€" in text
            assert "Régularisation :" in text
        career = main_text((await browser.get("/releve-de-carriere")).text)
        assert re.search(rf"{year} 38\u00a0500,00\u00a0€ .* [0-4] sur 4", career)
