"""Spreadsheet imports over HTTP on a real database: refused files, the per-row report, the
two modes and idempotence (SPEC.md 3.1, 8)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator

import pytest
from mandates.domain.sheets import ParsedSheet
from mandates_world import World, admin_headers, affiliate, incoming, user_headers, world
from spreadsheet_samples import xlsx, zipped

CAB = "cab-1"
HEADERS = admin_headers(CAB, "adm-1")
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# SIRENs with a valid key, each with a role in the registry below
OK_1, OK_2, RADIATED, NO_CONSENT, FOLLOWED, UNKNOWN = (
    "732829320",
    "552100554",
    "542107651",
    "443061841",
    "383474814",
    "404833048",
)


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as built:
        await built.firm(CAB, "adm-1")
        await built.feed(affiliate("aff-1", OK_1))
        await built.feed(affiliate("aff-2", OK_2))
        await built.feed(affiliate("aff-3", RADIATED, radiated=True))
        await built.feed(affiliate("aff-4", NO_CONSENT, consent=False))
        await built.feed(affiliate("aff-5", FOLLOWED))
        resp = await built.client.post(
            f"/v1/cabinets/{CAB}/clients",
            json={"identifier": FOLLOWED, "name": "Déjà suivi"},
            headers=HEADERS,
        )
        assert resp.status_code == 201
        yield built


VALID_XLSX = xlsx([["SIRET", "Nom"], [73282932000074, "Dupont"]])
REFUSED_FILES = [
    pytest.param(b"", CSV, "empty_file", id="empty"),
    pytest.param(b"siret;nom\n", CSV, "empty_file", id="header-only"),
    pytest.param(b"siret;ville\n732829320;Lyon\n", CSV, "missing_column", id="no-name-column"),
    pytest.param(b"nom;ville\nDupont;Lyon\n", CSV, "missing_column", id="no-siret-column"),
    pytest.param(b"siret;nom\n732829320;Dupont\x81\n", CSV, "bad_encoding", id="not-cp1252"),
    pytest.param(b"siret;nom\n7328\x0029320;Dupont\n", CSV, "unsupported_format", id="nul-byte"),
    pytest.param(b"%PDF-1.7 ...", CSV, "unsupported_format", id="pdf-as-csv"),
    pytest.param(b"%PDF-1.7 ...", XLSX, "unsupported_format", id="pdf-as-xlsx"),
    pytest.param(VALID_XLSX, "application/pdf", "unsupported_format", id="pdf-type"),
    pytest.param(zipped({"a.txt": b"x"}), XLSX, "unsupported_format", id="zip-not-xlsx"),
    pytest.param(VALID_XLSX[: len(VALID_XLSX) // 2], XLSX, "unsupported_format", id="truncated"),
    pytest.param(
        zipped({"xl/workbook.xml": b"<w/>", "xl/big.xml": b"0" * 5_000_000}),
        XLSX,
        "zip_bomb",
        id="zip-bomb",
    ),
    pytest.param(
        zipped({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<x"}),
        XLSX,
        "malformed_xlsx",
        id="broken-workbook",
    ),
    pytest.param(
        ("siret;nom\n" + "".join(f"732829320;N{i}\n" for i in range(10_001))).encode(),
        CSV,
        "too_many_rows",
        id="too-many-rows",
    ),
]


@pytest.mark.parametrize(("data", "content_type", "code"), REFUSED_FILES)
async def test_a_file_that_cannot_be_read_safely_is_refused_whole(
    w: World, data: bytes, content_type: str, code: str
) -> None:
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=valid_rows",
        content=data,
        headers={**HEADERS, "Content-Type": content_type},
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"].endswith("/" + code)
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 1


async def test_a_file_over_the_size_limit_is_a_413(w: World) -> None:
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports",
        content=b"siret;nom\n" + b"x" * 5_000_001,
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 413


ROWS = [
    ("73282932000074", "Boulangerie Dupont", "", "added", None),
    (OK_2, "Société Générale Élec", "", "added", None),
    ("73282932000075", "Mauvaise clé", "", "refused", "invalid-siret"),
    ("732829321", "Mauvais SIREN", "", "refused", "invalid-siren"),
    ("7328293", "Trop court", "", "refused", "invalid-identifier"),
    (UNKNOWN, "Inconnu", "", "refused", "unknown-affiliate"),
    (RADIATED, "Radiée", "", "refused", "radiated"),
    (NO_CONSENT, "Sans accord", "", "refused", "consent-off"),
    (FOLLOWED, "Déjà suivi", "", "refused", "already-client"),
    ("732829320", "Doublon", "", "refused", "duplicate-row"),
    ('=HYPERLINK("http://x")', "Formule", "", "refused", "unreadable-row"),
    ("552100554", "@SUM(1)", "", "refused", "unreadable-row"),
    ("", "Sans identifiant", "", "refused", "unreadable-row"),
    ("443061841", "", "", "refused", "unreadable-row"),
    ("383474814", "NIR faux", "1850575123456 00", "refused", "invalid-nir"),
]


def _csv(rows: list[tuple[str, str, str, str, str | None]], encoding: str) -> bytes:
    lines = ["SIRET;Raison sociale;NIR"] + [f"{i};{n};{nir}" for i, n, nir, _, _ in rows]
    return "\r\n".join(lines).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
async def test_each_row_gets_its_outcome_and_only_valid_rows_are_added(
    w: World, encoding: str
) -> None:
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=valid_rows",
        content=_csv(ROWS, encoding),
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 201, resp.text
    report = resp.json()
    assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
        (n, status, code) for n, (_, _, _, status, code) in enumerate(ROWS, start=2)
    ]
    assert report["rows"][1]["name"] == "Société Générale Élec"
    assert (report["added"], report["refused"]) == (2, 13)
    assert all(r["detail"] for r in report["rows"] if r["status"] == "refused")
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 3


async def test_all_or_nothing_adds_nothing_when_a_row_is_refused(w: World) -> None:
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=all_or_nothing",
        content=_csv(ROWS[:3], "utf-8"),
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 422
    assert resp.json()["outcome"] == "rejected"
    listed = await w.client.get(f"/v1/cabinets/{CAB}/clients", headers=HEADERS)
    assert listed.json()["total"] == 1
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 1


async def test_a_refused_all_or_nothing_import_says_its_valid_rows_were_not_imported(
    w: World,
) -> None:
    """Nothing was added: no row says "added" or "accepted", the valid ones say so in French."""
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=all_or_nothing",
        content=f"siret;nom\n{OK_1};Dupont\n{UNKNOWN};Inconnu\n{OK_2};Leroy\n".encode(),
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 422, resp.text
    report = resp.json()
    assert (report["outcome"], report["added"], report["refused"]) == ("rejected", 0, 1)
    assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
        (2, "valid_not_imported", "not-imported"),
        (3, "refused", "unknown-affiliate"),
        (4, "valid_not_imported", "not-imported"),
    ]
    valid = report["rows"][0]
    assert valid["detail"].startswith("Ligne valide, non importée")
    assert valid["client_id"] is None


async def test_an_xlsx_with_numbers_and_commas_is_read_and_a_formula_never_evaluated(
    w: World,
) -> None:
    data = xlsx(
        [
            ["Siren ou SIRET", "Nom ou raison sociale"],
            [73282932000074, "Dupont"],
            [552100554.0, "Leroy"],
            ["=1+1", "Calcul"],
        ]
    )
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=valid_rows",
        content=data,
        headers={**HEADERS, "Content-Type": XLSX},
    )
    assert resp.status_code == 201, resp.text
    rows = resp.json()["rows"]
    assert [(r["identifier"], r["status"]) for r in rows[:2]] == [
        ("73282932000074", "added"),
        ("552100554", "added"),
    ]
    assert (rows[2]["status"], rows[2]["code"]) == ("refused", "unreadable-row")


async def test_sending_the_same_import_twice_adds_nothing_twice(w: World) -> None:
    data = b"siret,nom\n73282932000074,Dupont\n"
    first = await w.client.post(
        f"/v1/cabinets/{CAB}/imports", content=data, headers={**HEADERS, "Content-Type": CSV}
    )
    again = await w.client.post(
        f"/v1/cabinets/{CAB}/imports", content=data, headers={**HEADERS, "Content-Type": CSV}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["rows"] == first.json()["rows"]
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 2
    stored = await w.client.get(
        f"/v1/cabinets/{CAB}/imports/{first.json()['import_id']}", headers=HEADERS
    )
    assert stored.status_code == 200
    assert stored.json()["added"] == 1


def _sirens(count: int) -> list[str]:
    """Distinct SIRENs with a valid key, from 100000000 upwards."""
    found: list[str] = []
    body = 10_000_000
    while len(found) < count:
        digits = f"{body:08d}"
        total = sum(
            d - 9 if d > 9 else d
            for d in (int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
        )
        found.append(digits + str((10 - total % 10) % 10))
        body += 1
    return found


async def test_an_import_larger_than_one_registry_read_checks_every_row(w: World) -> None:
    numbers = _sirens(1_200)
    await w.feed_fetch([incoming(affiliate(f"big-{i}", s)) for i, s in enumerate(numbers[:-1])])
    await w.client.post(
        f"/v1/cabinets/{CAB}/clients",
        json={"identifier": numbers[700], "name": "Déjà suivi"},
        headers=HEADERS,
    )
    lines = [f"{s};Client {i}" for i, s in enumerate(numbers)] + [f"{numbers[3]};Doublon"]
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=valid_rows",
        content=("siren;nom\n" + "\n".join(lines)).encode(),
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 201, resp.text
    report = resp.json()
    refused = {(r["row"], r["code"]) for r in report["rows"] if r["status"] == "refused"}
    assert refused == {
        (702, "already-client"),
        (1_201, "unknown-affiliate"),
        (1_202, "duplicate-row"),
    }
    assert report["added"] == 1_198
    assert len(await w.events("mandates.mandate.key_issued.v1")) == 2 + 1_198


async def test_an_unbalanced_quote_refuses_its_line_and_never_merges_it_with_the_next(
    w: World,
) -> None:
    data = f'siret;nom\n{OK_1};"Dupont\n{OK_2};Leroy\n'.encode()
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?mode=valid_rows",
        content=data,
        headers={**HEADERS, "Content-Type": CSV},
    )
    assert resp.status_code == 201, resp.text
    report = resp.json()
    assert (report["added"], report["refused"]) == (1, 1)
    malformed, added = report["rows"]
    assert (malformed["row"], malformed["status"], malformed["code"]) == (
        2,
        "refused",
        "malformed-row",
    )
    assert malformed["detail"].startswith("ligne mal formée")
    assert (added["row"], added["identifier"], added["name"], added["status"]) == (
        3,
        OK_2,
        "Leroy",
        "added",
    )


def _count_readings(w: World) -> list[int]:
    """How many files the app has read so far, in one cell."""
    calls = [0]
    read = w.app.read_spreadsheet

    async def counted(data: bytes, content_type: str) -> tuple[ParsedSheet, str]:
        calls[0] += 1
        return await read(data, content_type)

    w.app.read_spreadsheet = counted  # type: ignore[method-assign]
    return calls


async def test_a_caller_who_may_not_import_is_refused_before_the_file_is_read(w: World) -> None:
    calls = _count_readings(w)
    await w.firm("cab-2", "adm-2", "Cabinet Leroy")
    await w.collaborator(CAB, "col-1", ["read"])
    bomb = zipped({"xl/workbook.xml": b"<w/>", "xl/big.xml": b"0" * 5_000_000})
    for headers, status in [
        (admin_headers("cab-2", "adm-2"), 404),  # another firm's space
        (user_headers(CAB, "col-1", ["read"]), 403),  # no `clients` right
    ]:
        resp = await w.client.post(
            f"/v1/cabinets/{CAB}/imports", content=bomb, headers={**headers, "Content-Type": XLSX}
        )
        assert resp.status_code == status, resp.text
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports?portfolio_id=nope",
        content=bomb,
        headers={**HEADERS, "Content-Type": XLSX},
    )
    assert resp.status_code == 404, resp.text
    await w.collaborator(CAB, "col-2", ["clients", "read"])  # subscribed to no portfolio
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports",
        content=bomb,
        headers={**user_headers(CAB, "col-2", ["clients", "read"]), "Content-Type": XLSX},
    )
    assert (resp.status_code, resp.json()["type"].rsplit("/", 1)[-1]) == (403, "no-portfolio")
    assert calls == [0]
    allowed = await w.client.post(
        f"/v1/cabinets/{CAB}/imports", content=bomb, headers={**HEADERS, "Content-Type": XLSX}
    )
    assert (allowed.status_code, allowed.json()["type"].rsplit("/", 1)[-1]) == (422, "zip_bomb")
    assert calls == [1]


async def test_a_sheet_over_a_limit_is_refused_in_french(w: World) -> None:
    wide = b"siret;nom\n732829320;Dupont" + b";" * 400_000 + b"\n"
    resp = await w.client.post(
        f"/v1/cabinets/{CAB}/imports", content=wide, headers={**HEADERS, "Content-Type": CSV}
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"].rsplit("/", 1)[-1] == "row_too_long"
    assert "caractères" in resp.json()["detail"]


async def test_the_api_stays_responsive_while_a_large_import_is_parsed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The sheet is read off the event loop: while a large XLSX is parsed, /health/live of the
    same app answers quickly, each probe timed under a generous bound. The sheet holds one
    row more than the limit, so the import is nothing but its reading (refused at its end)."""
    rows = 40_000
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'big.db'}"
    data = xlsx([["SIRET", "Nom"]] + [[f"{i:09d}", f"Client {i}"] for i in range(rows + 1)])
    limits = {"import_max_rows": rows, "import_max_cells": 1_000_000}
    async with world(url, **limits, import_max_parse_seconds=120) as big:
        await big.firm(CAB, "adm-1")
        began = time.perf_counter()
        importing = asyncio.create_task(
            big.client.post(
                f"/v1/cabinets/{CAB}/imports",
                content=data,
                headers={**HEADERS, "Content-Type": XLSX},
            )
        )
        deadline = time.monotonic() + 60
        probes: list[float] = []
        while not importing.done():
            assert time.monotonic() < deadline, "the import never ended"
            sent = time.perf_counter()
            live = await big.client.get("/health/live")
            probes.append(time.perf_counter() - sent)
            assert live.status_code == 200
            await asyncio.wait({importing}, timeout=0.02)  # the next probe in 20 ms at most
        resp = await importing
        took = time.perf_counter() - began
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"].rsplit("/", 1)[-1] == "too_many_rows"
    assert took > 0.5, f"the reading took {took:.3f} s only: not a large import"
    assert len(probes) >= 3, f"only {len(probes)} probe(s) answered during the import"
    # Read on the event loop, one probe would wait for the whole reading. Off the loop, the
    # probes only share the interpreter with the reading thread (and its garbage collections):
    # the slowest stays a small part of the reading, the typical one a tenth of it at most.
    slowest, typical = max(probes), statistics.median(probes)
    assert slowest < took / 4, f"slowest /health/live {slowest:.3f} s of a {took:.3f} s import"
    assert typical < took / 10, f"typical /health/live {typical:.3f} s of a {took:.3f} s import"
