"""« Déclarer mon chiffre d'affaires » over cotisations' real app on a day of its own (15 June
2026): a micro-entrepreneur's month declared, its lines, amount and due date shown as
cotisations computed them; the period declared twice, a period not over, a wrong amount
refused at their field in cotisations' words; a firm user declaring for a micro client; an
artisan not offered the page and refused in cotisations' words when the form is sent anyway;
the form without its token refused."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from portal.domain.wording import french_date, french_euros
from portal_platform import (
    ASSURE_EMAIL,
    Platform,
    affilie_of_category,
    cotisations_on,
    firm_mandate,
    firm_of_its_own,
    form_token,
    main_text,
    sign_in,
    siret_of,
)
from servicekit.clock import FakeClock

JUNE_15 = datetime(2026, 6, 15, 9, tzinfo=UTC)
MICRO = "micro_entrepreneur"
PAGE = "/cotisations/chiffre-d-affaires"


def _portal(world: Platform, clock: FakeClock) -> Any:
    return world.portal(now=lambda: clock.now().timestamp())


def _error_at(page: str, field: str) -> str:
    said = re.search(rf'id="{field}-erreur">([^<]+)<', page)
    assert said is not None, f"no error at {field}"
    assert f'id="{field}"' in page
    assert 'aria-invalid="true"' in page
    return html.unescape(said[1])


async def _declarations(world: Platform, email: str, affiliate_id: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {await world.token_of(email)}"}
    async with world.client("cotisations") as api:
        resp = await api.get(f"/v1/accounts/{affiliate_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()["declarations"]
    return found


async def test_a_micro_entrepreneur_declares_a_month_and_sees_its_amount_and_due_date(
    world: Platform,
) -> None:
    email = "camille.lefort@exemple.fr"
    with cotisations_on(world, JUNE_15) as clock:
        affiliate_id = await affilie_of_category(world, "93100011", "Lefort", email, MICRO)
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, email)).status_code == 303
            account = await browser.get("/cotisations")
            assert account.status_code == 200, main_text(account.text)
            assert f'href="{PAGE}"' in account.text

            page = await browser.get(PAGE)
            assert page.status_code == 200, main_text(page.text)
            assert 'id="periode" name="periode" value="2026-05"' in page.text  # last month
            assert "Vous déclarez chaque mois" in main_text(page.text)
            csrf = form_token(page.text)

            declared = await browser.post(
                PAGE, data={"csrf": csrf, "periode": "2026-05", "chiffre_affaires": "2 001,40"}
            )
            assert declared.status_code == 200, main_text(declared.text)
            [kept] = await _declarations(world, email, affiliate_id)
            assert (kept["period"], kept["due_date"]) == ("2026-05", "2026-06-30")
            text = main_text(declared.text)
            assert "Chiffre d'affaires de mai 2026 déclaré : 2\u00a0001,00\u00a0€" in text
            assert (
                f"Montant dû : {french_euros(kept['amount'])}, à payer au plus tard le "
                f"{french_date(kept['due_date'])}." in text
            )
            assert "30 juin 2026" in text
            assert "Cotisations et contributions sociales" in text
            assert "Taxe pour frais de chambre consulaire" in text

            again = await browser.post(
                PAGE, data={"csrf": csrf, "periode": "2026-05", "chiffre_affaires": "1 500"}
            )
            assert again.status_code == 409
            said = _error_at(again.text, "periode")
            assert "Le chiffre d'affaires de la période 2026-05 est déjà déclaré." in said
            assert 'href="#periode"' in again.text  # the error summary

            not_over = await browser.post(
                PAGE, data={"csrf": csrf, "periode": "2026-06", "chiffre_affaires": "1 500"}
            )
            assert not_over.status_code == 422
            assert (
                "La période 2026-06 n'est pas terminée : déclarez-la à partir du 1er juillet "
                "2026." in _error_at(not_over.text, "periode")
            )

            negative = await browser.post(
                PAGE, data={"csrf": csrf, "periode": "2026-04", "chiffre_affaires": "-5"}
            )
            assert negative.status_code == 422
            assert "Le chiffre d'affaires ne peut pas être négatif." in _error_at(
                negative.text, "chiffre_affaires"
            )

            quarter = await browser.post(
                PAGE, data={"csrf": csrf, "periode": "2026-T1", "chiffre_affaires": "1 500"}
            )
            assert quarter.status_code == 422
            assert "Vous déclarez chaque mois" in _error_at(quarter.text, "periode")
            assert len(await _declarations(world, email, affiliate_id)) == 1


async def test_a_firm_user_declares_the_turnover_of_a_micro_client(world: Platform) -> None:
    admin, client_email = "bastien@cabinet-declarations.fr", "noemie.vidal@exemple.fr"
    with cotisations_on(world, JUNE_15) as clock:
        affiliate_id = await affilie_of_category(world, "93100022", "Vidal", client_email, MICRO)
        await firm_of_its_own(world, admin, "93900011")
        await firm_mandate(world, admin, siret_of("93100022", "0001"))
        client = f"/dossiers/{quote(affiliate_id, safe='')}/cotisations"
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, admin)).status_code == 303
            account = await browser.get(client)
            assert account.status_code == 200, main_text(account.text)
            assert f'href="{client}/chiffre-d-affaires"' in account.text
            page = await browser.get(f"{client}/chiffre-d-affaires")
            assert page.status_code == 200, main_text(page.text)
            assert "<h1>Déclarer le chiffre d&#39;affaires du client</h1>" in page.text
            declared = await browser.post(
                f"{client}/chiffre-d-affaires",
                data={"csrf": form_token(page.text), "periode": "04/2026", "chiffre_affaires": "0"},
            )
            assert declared.status_code == 200, main_text(declared.text)
            text = main_text(declared.text)
            assert "Chiffre d'affaires d'avril 2026 déclaré : 0,00\u00a0€" in text
            assert "à payer au plus tard le 1er juin 2026" in text  # 31 May 2026 is a Sunday
        [kept] = await _declarations(world, client_email, affiliate_id)
        assert kept["period"] == "2026-04"


async def test_an_artisan_is_not_offered_the_page_and_is_refused_in_cotisations_words(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        account = await browser.get("/cotisations")
        assert account.status_code == 200, main_text(account.text)
        assert "chiffre-d-affaires" not in account.text
        page = await browser.get(PAGE)
        assert page.status_code == 200, main_text(page.text)
        forced = await browser.post(
            PAGE,
            data={"csrf": form_token(page.text), "periode": "2026-05", "chiffre_affaires": "100"},
        )
        assert forced.status_code == 422
        alert = re.search(r'role="alert"><p>([^<]+)</p>', forced.text)
        assert alert is not None
        assert html.unescape(alert[1]) == (
            "Seul un micro-entrepreneur déclare son chiffre d'affaires par période."
        )


async def test_the_declaration_without_its_form_token_is_refused(world: Platform) -> None:
    email = "oscar.meunier@exemple.fr"
    with cotisations_on(world, JUNE_15) as clock:
        affiliate_id = await affilie_of_category(world, "93100033", "Meunier", email, MICRO)
        async with _portal(world, clock) as browser:
            assert (await sign_in(browser, email)).status_code == 303
            fields = {"periode": "2026-05", "chiffre_affaires": "1 000"}
            for csrf in ("", "un-autre-jeton"):
                refused = await browser.post(PAGE, data={"csrf": csrf, **fields})
                assert refused.status_code == 403
                assert "Formulaire refusé" in main_text(refused.text)
        assert await _declarations(world, email, affiliate_id) == []
