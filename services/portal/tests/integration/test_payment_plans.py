"""« Demander un délai de paiement » over cotisations' real app: the debts a plan covers, the
preview with its surcharges and schedule in French, the request sent once, the plan then
shown in « Mes cotisations » and an instalment paid; each refusal at its field; a firm user
asks for a client, one without ``pay`` is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from portal_platform import (
    CABINET_EMAIL,
    PASSWORD,
    Platform,
    assure_of_its_own,
    debt_on,
    form_token,
    main_text,
    sign_in,
    siret_of,
)

IBAN = "FR76 3000 6000 0112 3456 7890 189"  # Crédit Agricole (30006)
BIC = "AGRIFRPP"
DATE = r"\d{1,2}(?:er)? [a-zéû]+ 20\d\d"


def _forty_days_ago() -> datetime:
    """A debit rejected 40 days ago: more than a month and less than two, so its surcharge
    is 5 % + 2 × 0,2 % = 5,4 % whatever the day the test runs."""
    return datetime.now(UTC) - timedelta(days=40)


async def test_an_assure_previews_asks_and_finds_the_plan_in_mes_cotisations(
    world: Platform,
) -> None:
    email = "paul@lefevre.fr"
    affiliate_id = await assure_of_its_own(world, "81234567", "Lefevre", email)
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        empty = await browser.get("/cotisations/delai")
        assert empty.status_code == 200
        assert "Votre compte n'a aucune dette à répartir" in main_text(empty.text)
        no_debt = await browser.post(
            "/cotisations/delai", data={"csrf": form_token(empty.text), "echeances": "3"}
        )
        assert no_debt.status_code == 422
        assert 'id="dettes-erreur"' in no_debt.text
        assert "Le compte n'a aucune dette" in main_text(no_debt.text)

        debited = _forty_days_ago().date()
        await debt_on(world, affiliate_id, "900.00", debited)
        account = await browser.get("/cotisations")
        assert 'href="/cotisations/delai"' in account.text
        page = await browser.get("/cotisations/delai")
        text = main_text(page.text)
        assert re.search(rf"Prélèvement du {DATE} rejeté par la banque 900,00\u00a0€", text)
        csrf = form_token(page.text)

        not_a_number = await browser.post(
            "/cotisations/delai", data={"csrf": csrf, "echeances": "trois"}
        )
        assert not_a_number.status_code == 422
        assert 'aria-invalid="true"' in not_a_number.text
        assert 'id="echeances-erreur"' in not_a_number.text
        thirteen = await browser.post("/cotisations/delai", data={"csrf": csrf, "echeances": "13"})
        assert thirteen.status_code == 422
        assert 'id="echeances-erreur"' in thirteen.text
        assert re.search(r'id="echeances-erreur">[^<]*inférieur ou égal à 12', thirteen.text)

        preview = await browser.post("/cotisations/delai", data={"csrf": csrf, "echeances": "3"})
        assert preview.status_code == 200, main_text(preview.text)
        text = main_text(preview.text)
        assert re.search(
            rf"rejeté par la banque 900,00\u00a0€ {DATE} 2 5,4\u00a0% 48,60\u00a0€", text
        ), text
        assert "Majorations de retard 48,60\u00a0€ Total à régler 948,60\u00a0€" in text
        assert len(re.findall(rf"\d {DATE} 316,20\u00a0€", text)) == 3
        assert "Ce délai vous serait accordé immédiatement." in text
        assert "Une mensualité non réglée à sa date met fin au délai" in text

        key = re.search(r'name="cle_idempotence" value="([^"]+)"', preview.text)
        assert key is not None
        ask = {"csrf": form_token(preview.text), "echeances": "3", "cle_idempotence": key[1]}
        first = await browser.post("/cotisations/delai/demande", data=ask)
        assert (first.status_code, first.headers["location"]) == (303, "/cotisations")
        again = await browser.post("/cotisations/delai/demande", data=ask)
        assert again.status_code == 303  # the same key: asked once

        account = await browser.get("/cotisations")
        text = main_text(account.text)
        assert re.search(
            rf"Votre délai de paiement est accordé : 948,60\u00a0€ en 3 mensualités, la "
            rf"première le {DATE}\.",
            text,
        ), text
        assert "Mon délai de paiement" in text
        lines = re.findall(rf"([123]) ({DATE}) 316,20\u00a0€ À payer", text)
        assert [n for n, _ in lines] == ["1", "2", "3"], text  # three, not six
        assert "Demander un délai de paiement" not in text  # the debt is in the plan now

        # the first instalment paid by telepayment: « Paiement en cours » until the bank says
        form = await browser.get("/cotisations/telepaiement")
        adhered = await browser.post(
            "/cotisations/telepaiement",
            data={
                "csrf": form_token(form.text),
                "titulaire": "Paul Lefevre",
                "adresse": "12 rue des Lilas, 69003 Lyon",
                "iban": IBAN,
                "bic": BIC,
                "conditions": "oui",
            },
        )
        assert adhered.status_code == 303, main_text(adhered.text)
        account = await browser.get("/cotisations")
        link = re.search(r'href="(/cotisations/payer\?reference=plan%3A[^"]+%3A1)"', account.text)
        assert link is not None, main_text(account.text)
        pay = await browser.get(link[1])
        reference = re.search(r'name="reference" value="([^"]+)"', pay.text)
        assert reference is not None
        confirm = await browser.post(
            "/cotisations/payer", data={"csrf": form_token(pay.text), "reference": reference[1]}
        )
        assert confirm.status_code == 200, main_text(confirm.text)
        validation_key = re.search(r'name="cle_idempotence" value="([^"]+)"', confirm.text)
        assert validation_key is not None
        paid = await browser.post(
            "/cotisations/payer/validation",
            data={
                "csrf": form_token(confirm.text),
                "reference": reference[1],
                "cle_idempotence": validation_key[1],
            },
        )
        assert paid.status_code == 303
        text = main_text((await browser.get("/cotisations")).text)
        assert re.search(rf"1 {DATE} 316,20\u00a0€ Paiement en cours", text), text
        assert re.search(rf"2 {DATE} 316,20\u00a0€ À payer", text), text


async def _collaborator_with_read_only(world: Platform, email: str) -> None:
    """A collaborator of Cabinet Martin with ``read`` alone, subscribed to every portfolio
    of the firm (so the client is reached, and only the right is missing)."""
    admin = {"Authorization": f"Bearer {await world.token_of(CABINET_EMAIL)}"}
    async with world.client("identity") as identity:
        body = {"first_name": "Hugo", "last_name": "Lecteur", "email": email, "rights": ["read"]}
        invited = await identity.post(
            f"/v1/cabinets/{world.cabinet_id}/users", json=body, headers=admin
        )
        assert invited.status_code == 201, invited.text
        account_id = invited.json()["account_id"]
        link = (await world.sealed_links("identity.account.activation_requested.v1"))[-1]
        token = re.search(r"token=([^&]+)", link)
        assert token is not None
        done = await identity.post(
            "/v1/accounts/activation", json={"token": token[1], "password": PASSWORD}
        )
        assert done.status_code == 200, done.text
    await world.relay()
    async with world.client("mandates") as mandates:
        path = f"/v1/cabinets/{world.cabinet_id}/portfolios"
        for portfolio in (await mandates.get(path, headers=admin)).json():
            put = await mandates.put(
                f"{path}/{portfolio['id']}/subscribers/{account_id}", headers=admin
            )
            assert put.status_code == 204, put.text
    await world.relay()


async def test_a_firm_user_asks_for_a_client_and_one_without_pay_is_refused(
    world: Platform,
) -> None:
    affiliate_id = await assure_of_its_own(world, "81234583", "Garnier", "lea@garnier.fr")
    await world.active_mandate(siret_of("81234583", "0001"))
    await debt_on(world, affiliate_id, "1200.00", _forty_days_ago().date())
    base = f"/dossiers/{quote(affiliate_id, safe='')}/cotisations"
    async with world.portal() as admin:
        await sign_in(admin, CABINET_EMAIL)
        account = await admin.get(base)
        assert account.status_code == 200, main_text(account.text)
        assert f'href="{base}/delai"' in account.text
        page = await admin.get(f"{base}/delai")
        preview = await admin.post(
            f"{base}/delai", data={"csrf": form_token(page.text), "echeances": "2"}
        )
        assert preview.status_code == 200, main_text(preview.text)
        assert "Total à régler 1\u00a0264,80\u00a0€" in main_text(preview.text)
        assert f'action="{base}/delai/demande"' in preview.text

    reader = "hugo.lecteur@cabinet-martin.fr"
    await _collaborator_with_read_only(world, reader)
    async with world.portal() as collaborator:
        assert (await sign_in(collaborator, reader)).status_code == 303
        page = await collaborator.get(f"{base}/delai")
        assert page.status_code == 200, main_text(page.text)
        refused = await collaborator.post(
            f"{base}/delai", data={"csrf": form_token(page.text), "echeances": "2"}
        )
        assert refused.status_code == 403
        assert "Le droit « pay » est nécessaire pour cette action." in main_text(refused.text)
