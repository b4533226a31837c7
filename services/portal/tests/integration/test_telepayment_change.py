"""« Modifier un télépaiement » and « Payer » a part of an amount, over cotisations' real app
on a day of its own (1 March 2026; the instalment of Thursday 5 March is paid, changeable
until noon, Paris time, on the 4th): the parts over two accounts, a lower total leaving the
rest due, a higher one refused at the parts, an IBAN refused at its row, the change refused
from noon the day before, a firm user without ``pay`` refused, a form without its token."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from portal.domain.wording import french_euros
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
SECOND_IBAN = "FR14 2004 1010 0505 0001 3M02 606"  # La Banque postale (20041)
WRONG_KEY = "FR76 3000 6000 0112 3456 7890 188"
MARCH_1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
REFERENCE = "instalment:2026-03-05"
BEFORE_NOON = datetime(2026, 3, 4, 10, 59, tzinfo=UTC)  # 11 h 59 in Paris, the day before
NOON = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
FIRM_ADMIN = "basile@cabinet-telepaiements.fr"


def _typed(amount: Decimal) -> str:
    """An amount as a person types it: « 57,37 »."""
    return f"{amount:.2f}".replace(".", ",")


def _portal(world: Platform, clock: FakeClock) -> Any:
    """A portal whose clock is cotisations' (what « Modifier » is offered against)."""
    return world.portal(now=lambda: clock.now().timestamp())


async def _cotisations(world: Platform, email: str, affiliate_id: str, what: str) -> Any:
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{affiliate_id}/{what}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _owed(world: Platform, email: str, affiliate_id: str) -> Decimal:
    payables = await _cotisations(world, email, affiliate_id, "payables")
    [item] = [p for p in payables["payables"] if p["reference"] == REFERENCE]
    return Decimal(item["amount"])


async def _telepayment(world: Platform, email: str, affiliate_id: str) -> dict[str, Any]:
    payables = await _cotisations(world, email, affiliate_id, "payables")
    [made] = [t for t in payables["telepayments"] if t["reference"] == REFERENCE]
    return dict(made)


async def _adhere(browser: Browser, name: str) -> None:
    form = await browser.get("/cotisations/telepaiement")
    done = await browser.post(
        "/cotisations/telepaiement",
        data={
            "csrf": form_token(form.text),
            "titulaire": name,
            "adresse": "12 rue des Lilas, 69003 Lyon",
            "iban": IBAN,
            "bic": BIC,
            "conditions": "oui",
        },
    )
    assert done.status_code == 303, main_text(done.text)


async def _pay(browser: Browser, amount: str | None = None) -> str:
    """« Payer » the 5 March instalment (all of it, or ``amount``), then « Valider le
    paiement »; the page it lands on."""
    page = await browser.get(f"/cotisations/payer?reference={quote(REFERENCE)}")
    assert page.status_code == 200, main_text(page.text)
    fields = {"csrf": form_token(page.text), "reference": REFERENCE}
    if amount is not None:
        fields["montant"] = amount
    confirm = await browser.post("/cotisations/payer", data=fields)
    assert confirm.status_code == 200, main_text(confirm.text)
    carried = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', confirm.text))
    paid = await browser.post("/cotisations/payer/validation", data=carried)
    assert (paid.status_code, paid.headers["location"]) == (303, "/cotisations")
    return main_text((await browser.get("/cotisations")).text)


async def _paying_assure(
    world: Platform, browser: Browser, siren: str, name: str, email: str
) -> str:
    """An assuré of its own (birth name ``name``: each its own person for cotisations, one
    telepayment mandate each) signed in, adhering to telepayment and paying the whole 5 March
    instalment; its affilié id."""
    affiliate_id = await assure_of_its_own(world, siren, name, email)
    assert (await sign_in(browser, email)).status_code == 303
    await _adhere(browser, f"Jean {name}")
    await _pay(browser)
    return affiliate_id


async def test_a_telepayment_is_split_over_two_accounts_and_the_new_amounts_shown(
    world: Platform,
) -> None:
    email = "camille.roux@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            affiliate_id = await _paying_assure(world, browser, "72540011", "Roux", email)
            made = await _telepayment(world, email, affiliate_id)
            owed = Decimal(made["amount"])
            account = await browser.get("/cotisations")
            change = f"/cotisations/telepaiements/{made['payment_id']}"
            assert f'href="{change}"' in account.text
            assert "jusqu'au 4 mars 2026 à 12 h 00" in main_text(account.text)

            page = await browser.get(change)
            assert page.status_code == 200, main_text(page.text)
            text = main_text(page.text)
            [part] = made["parts"]
            assert f"{part['iban']} {french_euros(owed)}" in text  # the account debited today
            assert f"Débité aujourd'hui : {part['iban']}" in text  # its IBAN to type again
            assert 'name="compte_3"' in page.text
            assert 'name="compte_4"' not in page.text
            assert f'value="{_typed(owed)}"' in page.text  # its amount, in its row

            two = {
                "csrf": form_token(page.text),
                "compte_1": IBAN,
                "montant_1": _typed(owed - Decimal("10.00")),
                "compte_2": SECOND_IBAN,
                "montant_2": "10,00",
            }
            done = await browser.post(change, data=two)
            assert (done.status_code, done.headers["location"]) == (303, "/cotisations")
            after = await _telepayment(world, email, affiliate_id)
            assert after["amount"] == f"{owed:.2f}"
            assert sorted(Decimal(p["amount"]) for p in after["parts"]) == sorted(
                [owed - Decimal("10.00"), Decimal("10.00")]
            )
            text = main_text((await browser.get("/cotisations")).text)
            assert (
                f"Votre télépaiement est modifié : {french_euros(owed)} seront prélevés le "
                "5 mars 2026, sur 2 comptes."
            ) in text
            for p in after["parts"]:
                assert f"{p['iban']} : {french_euros(p['amount'])}" in text


async def test_a_lower_total_is_accepted_the_rest_due_and_a_higher_one_refused_at_the_parts(
    world: Platform,
) -> None:
    email = "louis.roux@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            affiliate_id = await _paying_assure(world, browser, "72540022", "Faure", email)
            made = await _telepayment(world, email, affiliate_id)
            owed = Decimal(made["amount"])
            change = f"/cotisations/telepaiements/{made['payment_id']}"
            page = await browser.get(change)
            csrf = form_token(page.text)

            lower = await browser.post(
                change, data={"csrf": csrf, "compte_1": IBAN, "montant_1": "10,00"}
            )
            assert lower.status_code == 303, main_text(lower.text)
            after = await _telepayment(world, email, affiliate_id)
            assert (after["amount"], after["status"]) == ("10.00", "scheduled")
            text = main_text((await browser.get("/cotisations")).text)
            scheduled = text.split("Télépaiements à venir", 1)[1]
            rest = french_euros(owed - Decimal("10.00"))
            assert (
                f"10,00\u00a0€ {after['parts'][0]['iban']} : 10,00\u00a0€ 5 mars 2026 {rest}"
                in (scheduled)
            ), scheduled

            page = await browser.get(change)
            assert f"Montant dû {french_euros(owed)}" in main_text(page.text)
            higher = await browser.post(
                change,
                data={"csrf": csrf, "compte_1": IBAN, "montant_1": _typed(owed + 1)},
            )
            assert higher.status_code == 422, main_text(higher.text)
            assert 'id="repartition-erreur"' in higher.text
            assert 'href="#repartition"' in higher.text  # the error summary links to it
            said = re.search(r'id="repartition-erreur">([^<]+)<', higher.text)
            assert said is not None
            assert "ne peut dépasser le montant dû" in said[1]  # cotisations' own words
            assert (await _telepayment(world, email, affiliate_id))["amount"] == "10.00"

            wrong = await browser.post(
                change,
                data={
                    "csrf": csrf,
                    "compte_1": IBAN,
                    "montant_1": "5,00",
                    "compte_2": WRONG_KEY,
                    "montant_2": "5,00",
                },
            )
            assert wrong.status_code == 422
            assert 'id="compte_2-erreur"' in wrong.text
            assert 'aria-invalid="true"' in wrong.text
            assert "n'est pas un IBAN valide" in main_text(wrong.text)
            assert WRONG_KEY in wrong.text  # kept as typed

            half = await browser.post(change, data={"csrf": csrf, "montant_1": "5,00"})
            assert half.status_code == 422
            assert 'id="compte_1-erreur"' in half.text  # the IBAN of a kept account, again


async def test_the_change_is_refused_from_noon_the_day_before_and_modifier_withdrawn(
    world: Platform,
) -> None:
    email = "nina.roux@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            affiliate_id = await _paying_assure(world, browser, "72540033", "Blanc", email)
            made = await _telepayment(world, email, affiliate_id)
            change = f"/cotisations/telepaiements/{made['payment_id']}"
            clock.set(BEFORE_NOON)
            page = await browser.get(change)
            assert "Enregistrer la modification" in page.text
            assert f'href="{change}"' in (await browser.get("/cotisations")).text

            clock.set(NOON)  # the form opened at 11 h 59 is sent at noon
            late = await browser.post(
                change, data={"csrf": form_token(page.text), "compte_1": IBAN, "montant_1": "1,00"}
            )
            assert late.status_code == 409
            alert = re.search(r'role="alert"><p>([^<]+)</p>', late.text)
            assert alert is not None
            assert "jusqu'à midi la veille du prélèvement" in html.unescape(alert[1])
            assert "Enregistrer la modification" not in late.text
            assert (await _telepayment(world, email, affiliate_id))["amount"] == made["amount"]

            account = await browser.get("/cotisations")
            assert f'href="{change}"' not in account.text
            assert "Plus modifiable depuis le 4 mars 2026 à 12 h 00" in main_text(account.text)
            page = await browser.get(change)
            assert "Ce télépaiement ne peut plus être modifié" in main_text(page.text)
            assert "Enregistrer la modification" not in page.text


async def test_payer_takes_a_lower_amount_to_pay_and_refuses_a_higher_one(
    world: Platform,
) -> None:
    email = "theo.roux@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        affiliate_id = await assure_of_its_own(world, "72540044", "Giraud", email)
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, email)).status_code == 303
            await _adhere(browser, "Jean Giraud")
            owed = await _owed(world, email, affiliate_id)
            page = await browser.get(f"/cotisations/payer?reference={quote(REFERENCE)}")
            assert 'for="montant"' in page.text
            assert f'name="montant" value="{_typed(owed)}"' in page.text  # the whole, by default
            base = {"csrf": form_token(page.text), "reference": REFERENCE}

            too_much = await browser.post(
                "/cotisations/payer", data={**base, "montant": _typed(owed + 1)}
            )
            assert too_much.status_code == 422, main_text(too_much.text)
            said = re.search(r'id="montant-erreur">([^<]+)<', too_much.text)
            assert said is not None
            assert "ne peut dépasser le montant dû" in said[1]  # cotisations' own words
            not_an_amount = await browser.post(
                "/cotisations/payer", data={**base, "montant": "beaucoup"}
            )
            assert not_an_amount.status_code == 422
            assert 'id="montant-erreur"' in not_an_amount.text

            text = await _pay(browser, "10,00")
            assert "Paiement de 10,00\u00a0€ enregistré" in text
            made = await _telepayment(world, email, affiliate_id)
            assert made["amount"] == "10.00"
            rest = french_euros(owed - Decimal("10.00"))
            assert f"5 mars 2026 {rest}" in text.split("Télépaiements à venir", 1)[1]


async def test_a_firm_user_without_pay_is_refused_and_a_form_without_its_token(
    world: Platform,
) -> None:
    siren, email = "72540055", "jade.roux@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as assure:
            affiliate_id = await _paying_assure(world, assure, siren, "Mercier", email)
            made = await _telepayment(world, email, affiliate_id)
            change = f"/cotisations/telepaiements/{made['payment_id']}"
            forged = await assure.post(
                change, data={"csrf": "un-autre-jeton", "compte_1": IBAN, "montant_1": "1,00"}
            )
            assert forged.status_code == 403
            assert "Formulaire refusé" in main_text(forged.text)
            missing = await assure.post(change, data={"compte_1": IBAN, "montant_1": "1,00"})
            assert missing.status_code == 403
            assert (await _telepayment(world, email, affiliate_id))["amount"] == made["amount"]

        await firm_of_its_own(world, FIRM_ADMIN, "72549022")
        await firm_mandate(world, FIRM_ADMIN, siret_of(siren, "0001"))
        reader = "ines@cabinet-telepaiements.fr"
        reader_id = await collaborator_of(world, FIRM_ADMIN, reader, ["read"])
        await subscribed_everywhere(world, FIRM_ADMIN, reader_id)
        client = f"/dossiers/{quote(affiliate_id, safe='')}/cotisations"
        async with _portal(world, clock) as collaborator:
            assert (await sign_in(collaborator, reader)).status_code == 303
            account = await collaborator.get(client)
            assert account.status_code == 200, main_text(account.text)
            assert f'href="{client}/telepaiements/{made["payment_id"]}"' in account.text
            page = await collaborator.get(f"{client}/telepaiements/{made['payment_id']}")
            assert page.status_code == 200, main_text(page.text)
            refused = await collaborator.post(
                f"{client}/telepaiements/{made['payment_id']}",
                data={"csrf": form_token(page.text), "compte_1": IBAN, "montant_1": "1,00"},
            )
            assert refused.status_code == 403
            assert "Le droit « pay » est nécessaire pour cette action." in main_text(refused.text)
        assert (await _telepayment(world, email, affiliate_id))["amount"] == made["amount"]

        async with _portal(world, clock) as admin:
            assert (await sign_in(admin, FIRM_ADMIN)).status_code == 303
            page = await admin.get(f"{client}/telepaiements/{made['payment_id']}")
            done = await admin.post(
                f"{client}/telepaiements/{made['payment_id']}",
                data={"csrf": form_token(page.text), "compte_1": IBAN, "montant_1": "1,00"},
            )
            assert (done.status_code, done.headers["location"]) == (303, client)
        assert (await _telepayment(world, email, affiliate_id))["amount"] == "1.00"


async def test_valider_le_paiement_says_until_when_it_can_be_changed_or_that_it_cannot(
    world: Platform,
) -> None:
    email = "ines.fabre@exemple.fr"
    with cotisations_on(world, MARCH_1) as clock:
        async with _portal(world, clock) as browser:
            await assure_of_its_own(world, "72541066", "Fabre", email)
            assert (await sign_in(browser, email)).status_code == 303
            await _adhere(browser, "Inès Fabre")

            async def confirmation() -> str:
                page = await browser.get(f"/cotisations/payer?reference={quote(REFERENCE)}")
                fields = {"csrf": form_token(page.text), "reference": REFERENCE}
                confirm = await browser.post("/cotisations/payer", data=fields)
                assert confirm.status_code == 200, main_text(confirm.text)
                return main_text(confirm.text)

            ahead = await confirmation()
            assert (
                "Vous pourrez modifier le montant et les comptes débités jusqu'au 4 mars 2026 "
                "à 12 h 00." in ahead
            )
            clock.set(datetime(2026, 3, 5, 8, tzinfo=UTC))  # its due date: debited that day
            today = await confirmation()
            assert "Ce paiement ne pourra plus être modifié une fois validé" in today
            assert "Vous pourrez modifier" not in today
