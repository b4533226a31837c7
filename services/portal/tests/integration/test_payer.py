"""« Payer » as the product describes it (docs/product): adhere to telepayment, « Payer » next to an
amount, « Valider le paiement », debited on the due date; sent twice, paid once."""

from __future__ import annotations

import re
from decimal import Decimal

from portal_platform import (
    ASSURE_EMAIL,
    PASSWORD,
    Platform,
    cotisations_on,
    form_token,
    main_text,
    payer_offered_on,
    sign_in,
)

IBAN = "FR76 3000 6000 0112 3456 7890 189"  # Crédit Agricole (30006)
BIC = "AGRIFRPP"


async def _telepayments(world: Platform) -> list[dict[str, object]]:
    async with world.client("identity") as identity:
        login = await identity.post(
            "/v1/auth/token", json={"username": ASSURE_EMAIL, "password": PASSWORD}
        )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{world.affiliate_id}/payables", headers=headers)
    telepayments: list[dict[str, object]] = resp.json()["telepayments"]
    return telepayments


async def test_an_assure_adheres_pays_and_a_second_click_pays_nothing_more(
    world: Platform,
) -> None:
    with cotisations_on(world, await payer_offered_on(world, ASSURE_EMAIL, world.affiliate_id)):
        await _adheres_pays_and_clicks_twice(world)


async def _adheres_pays_and_clicks_twice(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        account = await browser.get("/cotisations")
        if 'href="/cotisations/telepaiement"' in account.text:
            form = await browser.get("/cotisations/telepaiement")
            fields = {
                "csrf": form_token(form.text),
                "titulaire": "Jean Dupont",
                "adresse": "12 rue des Lilas, 69003 Lyon",
                "iban": "FR76 3000 6000 0112 3456 7890 188",  # a wrong key
                "bic": BIC,
                "conditions": "oui",
            }
            refused = await browser.post("/cotisations/telepaiement", data=fields)
            assert refused.status_code == 422
            assert 'id="iban-erreur"' in refused.text
            assert "Jean Dupont" in refused.text  # kept as typed
            no_terms = {**fields, "iban": IBAN}
            del no_terms["conditions"]
            refused = await browser.post("/cotisations/telepaiement", data=no_terms)
            assert refused.status_code == 422
            assert 'id="conditions-erreur"' in refused.text
            done = await browser.post("/cotisations/telepaiement", data={**fields, "iban": IBAN})
            assert (done.status_code, done.headers["location"]) == (303, "/cotisations")
            account = await browser.get("/cotisations")
            assert "Votre adhésion au télépaiement est enregistrée" in main_text(account.text)

        pay = re.search(r'href="(/cotisations/payer\?reference=[^"]+)"', account.text)
        assert pay is not None, main_text(account.text)
        page = await browser.get(pay.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
        assert "Vous allez payer" in main_text(page.text)
        reference = re.search(r'name="reference" value="([^"]+)"', page.text)
        assert reference is not None
        confirm = await browser.post(
            "/cotisations/payer",
            data={"csrf": form_token(page.text), "reference": reference.group(1)},
        )
        assert confirm.status_code == 200, main_text(confirm.text)
        text = main_text(confirm.text)
        assert "Valider le paiement" in text
        assert re.search(r"débité le \d{1,2}(er)? [a-zéû]+ 20\d\d, pas avant", text)
        key = re.search(r'name="cle_idempotence" value="([^"]+)"', confirm.text)
        assert key is not None
        before = len(await _telepayments(world))
        validation = {
            "csrf": form_token(confirm.text),
            "reference": reference.group(1),
            "cle_idempotence": key.group(1),
        }
        first = await browser.post("/cotisations/payer/validation", data=validation)
        assert (first.status_code, first.headers["location"]) == (303, "/cotisations")
        second = await browser.post("/cotisations/payer/validation", data=validation)
        assert second.status_code == 303
        assert len(await _telepayments(world)) == before + 1
        account = await browser.get("/cotisations")
        assert re.search(
            r"Paiement de [0-9\u00a0]+,\d\d\u00a0€ enregistré : votre compte sera débité le",
            main_text(account.text),
        )
        # paid before its due date, the amount is ahead of what is due: never a negative rest
        assert not re.search(r"[-−]\s?\d[\d\u00a0\u202f]*,\d\d", main_text(account.text))
        standing = (
            await world.client("cotisations").get(
                f"/v1/accounts/{world.affiliate_id}",
                headers={"Authorization": f"Bearer {await world.token_of(ASSURE_EMAIL)}"},
            )
        ).json()["standing"]
        if standing["balance_due"].startswith("-"):
            assert "Versé d'avance" in main_text(account.text)
        else:
            assert "Reste à payer à ce jour" in main_text(account.text)


SECOND_IBAN = "FR14 2004 1010 0505 0001 3M02 606"  # La Banque postale (20041)


async def test_a_payment_split_over_two_accounts_is_debited_from_both(world: Platform) -> None:
    from portal_platform import assure_of_its_own

    email = "marie.durand@artisans.fr"
    affiliate_id = await assure_of_its_own(world, "41820057", "Durand", email)
    with cotisations_on(world, await payer_offered_on(world, email, affiliate_id)):
        await _pays_from_two_accounts(world, email, affiliate_id)


async def _pays_from_two_accounts(world: Platform, email: str, affiliate_id: str) -> None:
    async with world.portal() as browser:
        await sign_in(browser, email)
        form = await browser.get("/cotisations/telepaiement")
        adhesion = {
            "csrf": form_token(form.text),
            "titulaire": "Marie Durand",
            "adresse": "3 rue du Port, 13002 Marseille",
            "iban": IBAN,
            "bic": BIC,
            "conditions": "oui",
        }
        done = await browser.post("/cotisations/telepaiement", data=adhesion)
        assert done.status_code == 303, main_text(done.text)
        account = await browser.get("/cotisations")
        pay = re.search(r'href="(/cotisations/payer\?reference=[^"]+)"', account.text)
        assert pay is not None, main_text(account.text)
        page = await browser.get(pay.group(1).replace("&amp;", "&"))
        assert 'name="compte_3"' in page.text  # three accounts at most
        assert 'name="compte_4"' not in page.text
        reference = re.search(r'name="reference" value="([^"]+)"', page.text)
        assert reference is not None
        headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
        async with world.client("cotisations") as api:
            payables = (
                await api.get(f"/v1/accounts/{affiliate_id}/payables", headers=headers)
            ).json()
        [item] = [p for p in payables["payables"] if p["reference"] == reference.group(1)]
        total = Decimal(item["amount"])
        base = {"csrf": form_token(page.text), "reference": reference.group(1)}

        half_typed = await browser.post(
            "/cotisations/payer", data={**base, "compte_1": IBAN, "montant_1": "beaucoup"}
        )
        assert half_typed.status_code == 422
        assert 'id="montant_1-erreur"' in half_typed.text
        assert 'aria-invalid="true"' in half_typed.text
        not_adding_up = await browser.post(
            "/cotisations/payer",
            data={
                **base,
                "compte_1": IBAN,
                "montant_1": "1,00",
                "compte_2": SECOND_IBAN,
                "montant_2": "1,00",
            },
        )
        assert not_adding_up.status_code == 422, main_text(not_adding_up.text)
        assert not main_text(not_adding_up.text).isascii()  # cotisations' own French words

        rest = f"{total - Decimal('10.00'):.2f}".replace(".", ",")
        split = {"compte_1": IBAN, "montant_1": rest, "compte_2": SECOND_IBAN, "montant_2": "10,00"}
        confirm = await browser.post("/cotisations/payer", data={**base, **split})
        assert confirm.status_code == 200, main_text(confirm.text)
        table = main_text(confirm.text).split("Comptes débités", 1)[1]
        assert "10,00\u00a0€" in table
        assert table.count("€") == 2  # one line per account
        key = re.search(r'name="cle_idempotence" value="([^"]+)"', confirm.text)
        assert key is not None
        carried = dict(re.findall(r'name="((?:compte|montant)_\d)" value="([^"]*)"', confirm.text))
        validation = {"csrf": form_token(confirm.text), "reference": reference.group(1),
                      "cle_idempotence": key.group(1), **carried}  # fmt: skip
        paid = await browser.post("/cotisations/payer/validation", data=validation)
        assert paid.status_code == 303
    async with world.client("cotisations") as api:
        after = (await api.get(f"/v1/accounts/{affiliate_id}/payables", headers=headers)).json()
    [made] = [t for t in after["telepayments"] if t["reference"] == reference.group(1)]
    assert sorted(Decimal(p["amount"]) for p in made["parts"]) == sorted(
        [total - Decimal("10.00"), Decimal("10.00")]
    )
