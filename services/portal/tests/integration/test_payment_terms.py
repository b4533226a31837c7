"""« Adhérer au prélèvement automatique » and « Changer de périodicité de prélèvement » for the
registry's second assuré (Marie Durand), over cotisations' real app."""

from __future__ import annotations

import re

from portal_platform import SECOND_EMAIL, Platform, form_token, main_text, sign_in

IBAN = "FR76 3000 6000 0112 3456 7890 189"


async def test_an_assure_signs_a_direct_debit_mandate_refused_first_at_its_field(
    world: Platform,
) -> None:
    await world.sign_up_second_assure()
    async with world.portal() as browser:
        await sign_in(browser, SECOND_EMAIL)
        page = await browser.get("/cotisations/prelevement")
        assert page.status_code == 200, main_text(page.text)
        if "Signer le mandat de prélèvement" in page.text:
            fields = {"csrf": form_token(page.text), "titulaire": "Marie Durand", "bic": "AGRIFRPP"}
            wrong = await browser.post(
                "/cotisations/prelevement", data={**fields, "iban": "FR76 1234"}
            )
            assert wrong.status_code == 422
            assert 'id="iban-erreur"' in wrong.text
            resp = await browser.post("/cotisations/prelevement", data={**fields, "iban": IBAN})
            assert (resp.status_code, resp.headers["location"]) == (303, "/cotisations")
            text = main_text((await browser.get("/cotisations")).text)
            assert re.search(r"prélevées à partir de celle du \d{1,2}(er)? [a-zéû]+ 20\d\d", text)
        page = await browser.get("/cotisations/prelevement")
        text = main_text(page.text)
        assert "Vos échéances sont prélevées sur le compte FR76" in text
        assert "Signer le mandat de prélèvement" not in text


async def test_an_assure_changes_the_periodicity(world: Platform) -> None:
    await world.sign_up_second_assure()
    async with world.portal() as browser:
        await sign_in(browser, SECOND_EMAIL)
        page = await browser.get("/cotisations/prelevement")
        current = re.search(r'name="periodicite" value="(\w+)" checked', page.text)
        assert current is not None
        other = "quarterly" if current.group(1) == "monthly" else "monthly"
        same = await browser.post(
            "/cotisations/periodicite",
            data={"csrf": form_token(page.text), "periodicite": current.group(1)},
        )
        assert same.status_code == 422  # already so: cotisations says it
        assert 'id="periodicite-erreur"' in same.text
        assert not main_text(same.text).isascii()
        resp = await browser.post(
            "/cotisations/periodicite",
            data={"csrf": form_token(page.text), "periodicite": other},
        )
        assert (resp.status_code, resp.headers["location"]) == (303, "/cotisations")
        text = main_text((await browser.get("/cotisations")).text)
        assert re.search(
            r"Périodicité (mensuelle|trimestrielle) enregistrée : elle s'applique", text
        )
