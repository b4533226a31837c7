"""The direct-debit mandate in force and the debit day, over cotisations' real app on a day
of its own (1 March 2026): « Changer de compte » from its effective due date (a wrong IBAN
key and a BIC of another bank refused at their field first), « Mettre fin au prélèvement
automatique » after its confirmation page, « Changer de jour de prélèvement » and its lock
said in French, the day refused to a quarterly account, a firm user without ``pay`` refused,
forms without their token refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from portal.domain.wording import french_date
from portal_platform import (
    Browser,
    Platform,
    assure_of_its_own,
    collaborator_of,
    cotisations_on,
    firm_mandate,
    firm_of_its_own,
    form_token,
    main_text,
    sign_in,
    siret_of,
    subscribed_everywhere,
)
from servicekit.clock import FakeClock

IBAN = "FR76 3000 6000 0112 3456 7890 189"  # Crédit Agricole (30006)
BIC = "AGRIFRPP"
NEW_IBAN = "FR14 2004 1010 0505 0001 3M02 606"  # La Banque postale (20041)
NEW_BIC = "PSSTFRPP"
WRONG_KEY = "FR14 2004 1010 0505 0001 3M02 607"
MARCH_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
FIRM_ADMIN = "agathe@cabinet-prelevements.fr"


def _portal(world: Platform, clock: FakeClock) -> Any:
    return world.portal(now=lambda: clock.now().timestamp())


async def _direct_debit(world: Platform, email: str, affiliate_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{affiliate_id}/direct-debit", headers=headers)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def _account(world: Platform, email: str, affiliate_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{affiliate_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def _on_direct_debit(world: Platform, browser: Browser, siren: str, email: str) -> str:
    """An assuré of its own signed in, who signs a direct-debit mandate; its affilié id."""
    affiliate_id = await assure_of_its_own(world, siren, "Morel", email)
    assert (await sign_in(browser, email)).status_code == 303
    page = await browser.get("/cotisations/prelevement")
    signed = await browser.post(
        "/cotisations/prelevement",
        data={"csrf": form_token(page.text), "titulaire": "Alix Morel", "iban": IBAN, "bic": BIC},
    )
    assert (signed.status_code, signed.headers["location"]) == (303, "/cotisations")
    return affiliate_id


async def test_the_account_debited_is_changed_from_its_due_date_refused_first_at_its_field(
    world: Platform,
) -> None:
    email = "alix.morel@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            affiliate_id = await _on_direct_debit(world, browser, "72540066", email)
            page = await browser.get("/cotisations/prelevement")
            assert 'action="/cotisations/prelevement/compte"' in page.text
            assert 'href="/cotisations/prelevement/fin"' in page.text
            assert "Signer le mandat de prélèvement" not in page.text
            fields = {"csrf": form_token(page.text), "titulaire": "Alix Morel"}

            wrong = await browser.post(
                "/cotisations/prelevement/compte",
                data={**fields, "iban": WRONG_KEY, "bic": NEW_BIC},
            )
            assert wrong.status_code == 422
            said = re.search(r'id="iban-erreur">([^<]+)<', wrong.text)
            assert said is not None
            assert not said[1].isascii()
            assert 'aria-invalid="true"' in wrong.text
            assert 'href="#iban"' in wrong.text  # the error summary
            other_bank = await browser.post(
                "/cotisations/prelevement/compte",
                data={**fields, "iban": NEW_IBAN, "bic": BIC},
            )
            assert other_bank.status_code == 422
            assert 'id="bic-erreur"' in other_bank.text
            assert NEW_IBAN in other_bank.text  # kept as typed
            before = await _direct_debit(world, email, affiliate_id)
            assert before["current"]["iban"].endswith("0 189")  # nothing changed

            done = await browser.post(
                "/cotisations/prelevement/compte",
                data={**fields, "iban": NEW_IBAN, "bic": NEW_BIC},
            )
            assert (done.status_code, done.headers["location"]) == (303, "/cotisations")
            now = await _direct_debit(world, email, affiliate_id)
            assert now["current"]["iban"].endswith("2 606")
            since = french_date(now["current"]["effective_from"])
            text = main_text((await browser.get("/cotisations")).text)
            assert (
                "Le nouveau compte est enregistré : il est prélevé à partir de l'échéance du "
                f"{since} ; celles d'ici là restent prélevées sur l'ancien compte."
            ) in text
            page = main_text((await browser.get("/cotisations/prelevement")).text)
            assert f"prélevées sur le compte {now['current']['iban']} (Alix Morel)" in page


async def test_direct_debit_ends_after_its_confirmation_page(world: Platform) -> None:
    email = "sacha.morel@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            affiliate_id = await _on_direct_debit(world, browser, "72540077", email)
            confirm = await browser.get("/cotisations/prelevement/fin")
            assert confirm.status_code == 200
            text = main_text(confirm.text)
            assert "Vos échéances sont prélevées sur le compte FR76" in text
            assert 'action="/cotisations/prelevement/fin"' in confirm.text
            assert (await _direct_debit(world, email, affiliate_id))["current"] is not None

            forged = await browser.post("/cotisations/prelevement/fin", data={"csrf": "autre"})
            assert forged.status_code == 403
            assert "Formulaire refusé" in main_text(forged.text)
            assert (await _direct_debit(world, email, affiliate_id))["current"] is not None

            ended = await browser.post(
                "/cotisations/prelevement/fin", data={"csrf": form_token(confirm.text)}
            )
            assert (ended.status_code, ended.headers["location"]) == (303, "/cotisations")
            after = await _direct_debit(world, email, affiliate_id)
            assert after["current"] is None
            [former] = after["mandates"]
            text = main_text((await browser.get("/cotisations")).text)
            assert (
                "Le prélèvement automatique prend fin : plus rien n'est prélevé à partir de "
                f"l'échéance du {french_date(former['ends_on'])}"
            ) in text
            page = await browser.get("/cotisations/prelevement")
            assert "Signer le mandat de prélèvement" in page.text  # adhering is offered again

            again = await browser.post(
                "/cotisations/prelevement/fin", data={"csrf": form_token(confirm.text)}
            )
            assert again.status_code == 409
            assert "n'a pas de mandat de prélèvement automatique en cours" in main_text(again.text)


async def test_the_debit_day_changes_once_its_lock_said_in_french(world: Platform) -> None:
    email = "lou.morel@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        affiliate_id = await assure_of_its_own(world, "72540088", "Morel", email)
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, email)).status_code == 303
            page = await browser.get("/cotisations/prelevement")
            assert 'action="/cotisations/jour-de-prelevement"' in page.text
            assert 'name="jour" value="5" checked' in page.text
            csrf = form_token(page.text)
            same = await browser.post(
                "/cotisations/jour-de-prelevement", data={"csrf": csrf, "jour": "5"}
            )
            assert same.status_code == 422
            assert "Vos échéances sont déjà prélevées le 5." in main_text(same.text)
            assert 'id="jour-erreur"' in same.text

            done = await browser.post(
                "/cotisations/jour-de-prelevement", data={"csrf": csrf, "jour": "20"}
            )
            assert (done.status_code, done.headers["location"]) == (303, "/cotisations")
            account = await _account(world, email, affiliate_id)
            assert account["debit_day"] == 20
            text = main_text((await browser.get("/cotisations")).text)
            assert re.search(
                r"Jour de prélèvement enregistré : vos échéances sont prélevées le 20 du mois à "
                r"partir de celle du \d{1,2}(er)? [a-zéû]+ 2026\.",
                text,
            ), text
            assert "Jour de prélèvement le 20 du mois" in text

            locked = await browser.post(
                "/cotisations/jour-de-prelevement", data={"csrf": csrf, "jour": "5"}
            )
            assert locked.status_code == 409
            said = re.search(r'id="jour-erreur">([^<]+)<', locked.text)
            assert said is not None
            assert "à partir du 1er janvier 2027" in said[1]
            assert (await _account(world, email, affiliate_id))["debit_day"] == 20

            forged = await browser.post(
                "/cotisations/jour-de-prelevement", data={"csrf": "autre", "jour": "5"}
            )
            assert forged.status_code == 403


async def test_a_quarterly_account_has_no_debit_day(world: Platform) -> None:
    email = "eden.morel@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        await assure_of_its_own(world, "72540099", "Morel", email)
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, email)).status_code == 303
            page = await browser.get("/cotisations/prelevement")
            csrf = form_token(page.text)
            quarterly = await browser.post(
                "/cotisations/periodicite", data={"csrf": csrf, "periodicite": "quarterly"}
            )
            assert quarterly.status_code == 303, main_text(quarterly.text)
            page = await browser.get("/cotisations/prelevement")
            assert "ne concerne que le prélèvement mensuel" in main_text(page.text)
            assert 'action="/cotisations/jour-de-prelevement"' not in page.text
            refused = await browser.post(
                "/cotisations/jour-de-prelevement", data={"csrf": csrf, "jour": "20"}
            )
            assert refused.status_code == 422
            said = re.search(r'id="jour-erreur">([^<]+)<', refused.text)
            assert said is not None
            assert "Le jour de prélèvement ne concerne que le prélèvement mensuel." in said[1]


async def test_a_firm_user_without_pay_is_refused(world: Platform) -> None:
    siren, email = "72540103", "noe.morel@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as assure:
            affiliate_id = await _on_direct_debit(world, assure, siren, email)
        await firm_of_its_own(world, FIRM_ADMIN, "72549011")
        await firm_mandate(world, FIRM_ADMIN, siret_of(siren, "0001"))
        reader = "remi@cabinet-prelevements.fr"
        reader_id = await collaborator_of(world, FIRM_ADMIN, reader, ["read"])
        await subscribed_everywhere(world, FIRM_ADMIN, reader_id)
        client = f"/dossiers/{quote(affiliate_id, safe='')}/cotisations"
        async with _portal(world, clock) as collaborator:
            assert (await sign_in(collaborator, reader)).status_code == 303
            page = await collaborator.get(f"{client}/prelevement")
            assert page.status_code == 200, main_text(page.text)
            assert f'action="{client}/prelevement/compte"' in page.text
            csrf = form_token(page.text)
            for path, data in (
                (
                    "prelevement/compte",
                    {"titulaire": "Noé Morel", "iban": NEW_IBAN, "bic": NEW_BIC},
                ),
                ("prelevement/fin", {}),
                ("jour-de-prelevement", {"jour": "20"}),
            ):
                refused = await collaborator.post(f"{client}/{path}", data={"csrf": csrf, **data})
                assert refused.status_code == 403, path
                assert "Le droit « pay » est nécessaire pour cette action." in main_text(
                    refused.text
                ), path
        debit = await _direct_debit(world, email, affiliate_id)
        assert debit["current"]["iban"].endswith("0 189")
        assert (await _account(world, email, affiliate_id))["debit_day"] == 5
