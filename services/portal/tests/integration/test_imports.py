"""« Ajouter des clients par fichier » over the real apps: a CSV or an XLSX sent as a
multipart form, mandates' report row by row at its own address (paginated, filtered), an
all-or-nothing import stopped by a refused row, a file refused as a whole at its field, the
form token checked before anything is sent, and the report kept from who does not see its
clients."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from openpyxl import Workbook
from portal_platform import (
    PASSWORD,
    Browser,
    Platform,
    collaborator_of,
    firm_of_its_own,
    form_token,
    main_text,
    registered_affiliate,
    sign_in,
    siret_of,
)

ADMIN = "anne@cabinet-import.fr"
COLLABORATOR = "hugo@cabinet-import.fr"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
async def firm(world: Platform) -> dict[str, str]:
    """A firm of its own (its clients are its own) and businesses of the registry to add."""
    await firm_of_its_own(world, ADMIN, "60123456")
    return {
        "good_1": await registered_affiliate(world, "60100011", "Boulanger"),
        "good_2": await registered_affiliate(world, "60100022", "Garagiste"),
        "good_3": await registered_affiliate(world, "60100033", "Fleuriste"),
        "xlsx": await registered_affiliate(world, "60100044", "Menuisier"),
        "radiated": await registered_affiliate(world, "60100055", "Ancien", radiated=True),
        "unknown": siret_of("60100066", "0001"),  # valid keys, not in the registry
    }


async def _send(
    browser: Browser,
    content: bytes,
    *,
    filename: str = "clients.csv",
    media_type: str = CSV,
    mode: str = "valid_rows",
    csrf: str | None = None,
) -> tuple[str, httpx.Response]:
    page = await browser.get("/clients/importer")
    assert page.status_code == 200, main_text(page.text)
    token = form_token(page.text) if csrf is None else csrf
    resp = await browser.post(
        "/clients/importer",
        data={"csrf": token, "mode": mode, "portefeuille": ""},
        files={"fichier": (filename, content, media_type)},
    )
    return page.text, resp


async def test_a_csv_with_good_and_bad_rows_gives_each_rows_french_reason(
    world: Platform, firm: dict[str, str]
) -> None:
    rows = [
        "SIREN ou SIRET;Nom",
        f"{firm['good_1']};Boulangerie Lefèvre",
        f"{firm['good_2'][:9]};Garage du Centre",
        "732829321;Clé fausse",
        f"{firm['unknown']};Inconnue au répertoire",
        f"{firm['radiated']};Entreprise radiée",
        f"{firm['good_1']};Boulangerie en double",
    ]
    async with world.portal(page_size=4) as browser:
        await sign_in(browser, ADMIN)
        form_page, resp = await _send(browser, "\n".join(rows).encode())
        assert 'enctype="multipart/form-data"' in form_page
        assert 'aria-describedby="fichier-aide"' in form_page
        assert resp.status_code == 303, main_text(resp.text)
        report_path = resp.headers["location"]
        assert re.fullmatch(r"/clients/imports/[0-9a-f]{64}", report_path), report_path

        first = await browser.get(report_path)
        text = main_text(first.text)
        assert "Import terminé : 2 clients ajoutés, 4 lignes refusées." in text
        assert "6 lignes lues" in text
        assert "<title>Rapport de l&#39;import — page 1 sur 2 — " in first.text
        assert "Garage du Centre" in text
        assert "Ajouté" in text
        assert "SIREN invalide : la clé de contrôle ne correspond pas." in text
        assert "Ce SIREN est inconnu du répertoire des affiliés." in text
        second = main_text((await browser.get(f"{report_path}?page=2")).text)
        assert "Cette entreprise est radiée du répertoire des affiliés." in second
        assert "Ligne en double : ce SIREN figure déjà ligne 2." in second

        refused = main_text((await browser.get(f"{report_path}?lignes=refused")).text)
        assert "Garage du Centre" not in refused
        assert "Les lignes refusées du fichier, page 1 sur 1 (4)" in refused or (
            "Les lignes refusées du fichier (4)" in refused
        )

        listed = main_text((await browser.get("/clients", params={"tri": "-name"})).text)
        assert "2 clients." in listed
        assert listed.index("Garage du Centre") < listed.index("Boulangerie Lefèvre")  # Z to A

    async with world.portal() as again:  # the report has its own address: reopened later
        await sign_in(again, ADMIN)
        reopened = await again.get(report_path)
        assert reopened.status_code == 200
        assert "Ce SIREN est inconnu du répertoire des affiliés." in main_text(reopened.text)

        # the same file once more adds nothing: its first report is shown
        _, replay = await _send(again, "\n".join(rows).encode())
        assert replay.headers["location"] == report_path
        shown = main_text((await again.get(report_path)).text)
        assert "Ce fichier a déjà été importé : aucun client n'est ajouté une seconde fois." in (
            shown
        )


async def test_an_all_or_nothing_file_with_a_refused_row_adds_nobody_and_says_why(
    world: Platform, firm: dict[str, str]
) -> None:
    content = f"siret,nom\n{firm['good_3']},Fleurs de Lyon\n123,Trop court\n".encode()
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        _, resp = await _send(browser, content, mode="all_or_nothing")
        assert resp.status_code == 422
        text = main_text(resp.text)
        assert "Aucun client n'a été ajouté" in text
        assert "Valide, non importé" in text
        assert "Ligne valide, non importée : en mode « tout ou rien »" in text
        assert "Un SIREN compte 9 chiffres, un SIRET 14." in text
        listed = await browser.get("/clients", params={"q": firm["good_3"][:9]})
        assert "0 client pour" in main_text(listed.text)


async def test_an_xlsx_workbook_is_imported(world: Platform, firm: dict[str, str]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SIRET", "Raison sociale"])
    sheet.append([firm["xlsx"], "Menuiserie Girard"])
    data = io.BytesIO()
    book.save(data)
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        _, resp = await _send(
            browser, data.getvalue(), filename="Clients.XLSX", media_type="application/zip"
        )
        assert resp.status_code == 303, main_text(resp.text)
        report = main_text((await browser.get(resp.headers["location"])).text)
        assert "1 client ajouté" in report
        assert "0 ligne refusée" in report
        assert "Menuiserie Girard" in report
        listed = main_text((await browser.get("/clients", params={"q": "Girard"})).text)
        assert "1 client pour « Girard »." in listed


@pytest.mark.parametrize(
    ("content", "filename", "media_type", "said"),
    [
        (b"prenom;ville\nJean;Lyon\n", "clients.csv", CSV, "La première ligne doit nommer"),
        (b"", "vide.csv", CSV, "Le fichier est vide."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "clients.pdf", "application/pdf", "CSV ou XLSX"),
        (b"siren;nom\n" + b"732829320;x\n" * 10_001, "long.csv", CSV, "découpez-le"),
    ],
    ids=["missing-column", "empty", "not-a-sheet", "too-many-rows-past-the-form-limit"],
)
async def test_a_file_refused_as_a_whole_is_said_at_the_file_field(
    world: Platform,
    firm: dict[str, str],
    content: bytes,
    filename: str,
    media_type: str,
    said: str,
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        _, resp = await _send(browser, content, filename=filename, media_type=media_type)
        page = resp.text
        assert resp.status_code == 422, main_text(page)
        assert 'id="fichier-erreur"' in page
        assert 'aria-describedby="fichier-aide fichier-erreur" aria-invalid="true"' in page
        assert '<a href="#fichier">' in page  # the error summary points at the field
        assert said in main_text(page)


async def test_no_file_chosen_is_said_at_the_field_and_a_body_too_large_is_refused(
    world: Platform, firm: dict[str, str]
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        _, resp = await _send(browser, b"", filename="")
        assert resp.status_code == 422
        assert "Choisissez le fichier de vos clients" in main_text(resp.text)
        _, huge = await _send(browser, b"x" * (11 * 1024 * 1024))
        assert huge.status_code == 413


async def test_a_portfolio_not_seen_is_said_at_the_portfolio_field(
    world: Platform, firm: dict[str, str]
) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        page = await browser.get("/clients/importer")
        resp = await browser.post(
            "/clients/importer",
            data={"csrf": form_token(page.text), "mode": "valid_rows", "portefeuille": "autre"},
            files={"fichier": ("clients.csv", f"siret;nom\n{firm['good_3']};F\n".encode(), CSV)},
        )
        assert resp.status_code == 404
        assert 'id="portefeuille-erreur"' in resp.text
        assert 'aria-describedby="portefeuille-aide portefeuille-erreur"' in resp.text


async def test_the_upload_without_this_sessions_form_token_is_refused_and_sends_nothing(
    world: Platform, firm: dict[str, str]
) -> None:
    content = f"siret;nom\n{firm['good_3']};Fleurs de Lyon\n".encode()
    before = len(await world.outbox("mandates"))
    async with world.portal() as browser:
        await sign_in(browser, ADMIN)
        for token in ("", "le-jeton-d-un-autre"):
            _, resp = await _send(browser, content, csrf=token)
            assert resp.status_code == 403
            assert "Formulaire refusé" in resp.text
        resp = await browser.post(
            "/clients/importer", files={"fichier": ("clients.csv", content, CSV)}
        )
        assert resp.status_code == 403
        listed = await browser.get("/clients", params={"q": firm["good_3"][:9]})
        assert "0 client pour" in main_text(listed.text)
    assert len(await world.outbox("mandates")) == before  # no key letter went out


async def test_a_report_stays_closed_to_a_collaborator_who_does_not_see_its_clients(
    world: Platform, firm: dict[str, str]
) -> None:
    await collaborator_of(world, ADMIN, COLLABORATOR, ["read", "clients"])
    async with world.portal() as admin:
        await sign_in(admin, ADMIN)
        content = f"siret;nom\n{firm['good_3']};Fleurs de Lyon\n".encode()
        _, resp = await _send(admin, content)
        assert resp.status_code == 303, main_text(resp.text)
        report_path = resp.headers["location"]
    async with world.portal() as collaborator:
        assert (await sign_in(collaborator, COLLABORATOR, PASSWORD)).status_code == 303
        closed = await collaborator.get(report_path)
        assert closed.status_code == 404
        assert "Cet import est introuvable." in main_text(closed.text)  # mandates' words
        # subscribed to no portfolio, the collaborator has nowhere to import to
        _, refused = await _send(collaborator, content)
        assert refused.status_code == 403
        assert not main_text(refused.text).isascii()


def test_the_gateway_lets_the_upload_pages_body_through() -> None:
    """Behind the gateway, the upload's page is one it lets a file's body through on."""
    from devstack import gateway
    from portal.entrypoints.pages_imports import UPLOAD_BODY_LIMIT_BYTES, UPLOAD_PATH

    assert any(re.fullmatch(path, UPLOAD_PATH) for path in gateway.PORTAL_UPLOAD_PATHS)
    assert UPLOAD_BODY_LIMIT_BYTES <= gateway.IMPORT_BODY_LIMIT_BYTES
