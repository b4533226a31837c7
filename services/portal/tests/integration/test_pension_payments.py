"""« Historique des versements de pension » over attestations' real app: payments loaded by an
agent through attestations' import, listed for the pensioner newest first in French form
(the month in words, the date, gross, net and taxable amounts), with the way to the
attestation fiscale; linked from « Mon compte » for a retraité only; a firm user reading a
pensioner client's."""

from __future__ import annotations

import re
from urllib.parse import quote

from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    Platform,
    affilie_of_category,
    firm_mandate,
    firm_of_its_own,
    main_text,
    pension_payments_loaded,
    sign_in,
    siret_of,
)

AGENT = "agnes.pensions@organisme.fr"
NBSP = "\u00a0"
TILE = "Historique des versements de pension"


def _rows(page: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body is not None, "no table"
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


async def test_a_pensioner_reads_the_payments_in_french_newest_first(world: Platform) -> None:
    email = "paul.garnier@exemple.fr"
    pensioner = await affilie_of_category(world, "93300011", "Garnier", email, "retraite")
    reports = await pension_payments_loaded(
        world,
        AGENT,
        [
            f"{pensioner},pg-09,2026-09,30/09/2026,1523.40,1371.06,1447.23",
            f"{pensioner},pg-10,2026-10,2026-10-30,1523.40,1371.06,1447.23",
            f"{pensioner},pg-08,2026-08,28/08/2026,1498.00,1348.20,1423.10",
        ],
    )
    assert [r["status"] for r in reports] == ["accepted"] * 3
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        home = await browser.get("/")
        assert f'href="/versements-de-pension">{TILE}</a>' in home.text
        page = await browser.get("/versements-de-pension")
        assert page.status_code == 200, main_text(page.text)
        assert f"<h1>{TILE}</h1>" in page.text
        assert _rows(page.text) == [
            ["octobre 2026", "30 octobre 2026", f"1{NBSP}523,40{NBSP}€", f"1{NBSP}371,06{NBSP}€",
             f"1{NBSP}447,23{NBSP}€"],
            ["septembre 2026", "30 septembre 2026", f"1{NBSP}523,40{NBSP}€",
             f"1{NBSP}371,06{NBSP}€", f"1{NBSP}447,23{NBSP}€"],
            ["août 2026", "28 août 2026", f"1{NBSP}498,00{NBSP}€", f"1{NBSP}348,20{NBSP}€",
             f"1{NBSP}423,10{NBSP}€"],
        ]  # fmt: skip
        text = main_text(page.text)
        assert "du plus récent au plus ancien (3 versements au total)" in text
        assert 'href="/attestations"' in page.text
        assert "attestation fiscale" in text


async def test_the_history_is_offered_to_a_pensioner_only(world: Platform) -> None:
    email = "rose.lambert@exemple.fr"
    await affilie_of_category(world, "93300033", "Lambert", email, "retraite")
    async with world.portal() as browser:
        assert (await sign_in(browser, email)).status_code == 303
        assert 'href="/versements-de-pension"' in (await browser.get("/")).text
        empty = await browser.get("/versements-de-pension")
        assert "Aucun versement de pension n'est enregistré" in main_text(empty.text)
    for other in (ASSURE_EMAIL, CABINET_EMAIL):
        async with world.portal() as browser:
            assert (await sign_in(browser, other)).status_code == 303
            home = await browser.get("/")
            assert home.status_code == 200
            assert "versements-de-pension" not in home.text
            assert TILE not in home.text
    async with world.portal() as browser:
        await sign_in(browser, CABINET_EMAIL)
        refused = await browser.get("/versements-de-pension")
        assert refused.status_code == 403
        assert "réservé aux assurés" in main_text(refused.text)


async def test_a_firm_user_reads_a_pensioner_clients_history(world: Platform) -> None:
    admin, email = "ines@cabinet-pensions.fr", "marcel.blanc@exemple.fr"
    pensioner = await affilie_of_category(world, "93300022", "Blanc", email, "retraite")
    await pension_payments_loaded(
        world, AGENT, [f"{pensioner},pb-11,2026-11,27/11/2026,2100.00,1890.00,1995.50"]
    )
    await firm_of_its_own(world, admin, "93900033")
    await firm_mandate(world, admin, siret_of("93300022", "0001"))
    dossier = f"/dossiers/{quote(pensioner, safe='')}"
    async with world.portal() as browser:
        assert (await sign_in(browser, admin)).status_code == 303
        page = await browser.get(f"{dossier}/versements-de-pension")
        assert page.status_code == 200, main_text(page.text)
        assert f"<h1>{TILE} du client</h1>" in page.text
        assert _rows(page.text) == [
            ["novembre 2026", "27 novembre 2026", f"2{NBSP}100,00{NBSP}€",
             f"1{NBSP}890,00{NBSP}€", f"1{NBSP}995,50{NBSP}€"],
        ]  # fmt: skip
        assert "(1 versement au total)" in main_text(page.text)
        assert f'href="{dossier}/attestations"' in page.text
