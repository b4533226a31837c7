"""Reading a client spreadsheet: CSV and XLSX rows, and hostile files refused whole."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from mandates.adapters.spreadsheet import (
    ParsedSheet,
    SheetLimits,
    SheetRow,
    SpreadsheetRefused,
    parse_clients,
)
from spreadsheet_samples import xlsx, zipped

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rewrite(data: bytes, member: str, change: Callable[[str], str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members[member] = change(members[member].decode()).encode()
    return zipped(members)


def _refused(data: bytes, content_type: str, **limits: int) -> SpreadsheetRefused:
    with pytest.raises(SpreadsheetRefused) as caught:
        parse_clients(data, content_type=content_type, **limits)
    return caught.value


def _row(number: int, identifier: str, name: str, nir: str | None = None) -> SheetRow:
    return SheetRow(number, identifier, name, nir, None)


# --- CSV ---------------------------------------------------------------------------------


def test_a_comma_separated_utf8_csv_is_read_row_by_row() -> None:
    data = "siret,nom\n73282932000074,Dupont\n552100554,Ærø Café\n".encode()
    assert parse_clients(data, content_type=CSV) == ParsedSheet(
        [_row(2, "73282932000074", "Dupont"), _row(3, "552100554", "Ærø Café")], "csv"
    )


def test_a_semicolon_windows_1252_csv_keeps_accented_names() -> None:
    data = "SIRET;Raison sociale\r\n732829320;Société Générale Élec\r\n".encode("cp1252")
    sheet = parse_clients(data, content_type=CSV)
    assert sheet.rows == [_row(2, "732829320", "Société Générale Élec")]
    assert sheet.format == "csv"


def test_a_utf8_bom_does_not_hide_the_first_header() -> None:
    data = "siren;nom\n732829320;Dupont\n".encode("utf-8-sig")
    assert parse_clients(data, content_type=CSV).rows == [_row(2, "732829320", "Dupont")]


def test_the_delimiter_is_the_one_the_header_line_uses_most() -> None:
    data = b"siret;nom\n732829320;Dupont, Durand et Cie\n"
    assert parse_clients(data, content_type=CSV).rows == [
        _row(2, "732829320", "Dupont, Durand et Cie")
    ]


@pytest.mark.parametrize(
    "content_type",
    ["text/csv", "text/csv; charset=utf-8", "TEXT/CSV", "application/csv", "text/plain"],
)
def test_every_csv_content_type_is_accepted_whatever_its_parameters(content_type: str) -> None:
    sheet = parse_clients(b"siret;nom\n732829320;Dupont\n", content_type=content_type)
    assert sheet.format == "csv"


@pytest.mark.parametrize(
    ("identifier_header", "name_header"),
    [
        ("SIRET", "Raison sociale"),
        ("siren", "NOM"),
        (" Siren ou SIRET ", "Dénomination"),
        ("siren_ou_siret", "nom-ou-raison-sociale"),
        ("SIREN/SIRET", "Name"),
        ("Siren / Siret", "RAISON_SOCIALE"),
        ("Identifiant", "DENOMINATION"),
    ],
)
def test_header_names_are_matched_whatever_case_accents_and_separators(
    identifier_header: str, name_header: str
) -> None:
    data = f"{identifier_header};{name_header}\n732829320;Dupont\n".encode()
    assert parse_clients(data, content_type=CSV).rows == [_row(2, "732829320", "Dupont")]


@pytest.mark.parametrize(
    "nir_header", ["NIR", "Numéro de sécurité sociale", "numero_de_securite_sociale"]
)
def test_the_nir_column_is_read_with_its_spaces_removed(nir_header: str) -> None:
    data = f"siret;nom;{nir_header}\n732829320;Dupont;1 85 05 75 123 456 00\n".encode()
    assert parse_clients(data, content_type=CSV).rows == [
        _row(2, "732829320", "Dupont", "185057512345600")
    ]


def test_an_empty_nir_cell_or_no_nir_column_gives_none() -> None:
    with_column = parse_clients(b"siret;nom;nir\n732829320;Dupont;\n", content_type=CSV)
    without = parse_clients(b"siret;nom\n732829320;Dupont\n", content_type=CSV)
    assert with_column.rows[0].nir is None
    assert without.rows[0].nir is None


def test_unknown_columns_are_ignored_and_the_first_matching_column_wins() -> None:
    data = b"ville;nom;siren;siret;name\nLyon;Dupont;732829320;552100554;Autre\n"
    assert parse_clients(data, content_type=CSV).rows == [_row(2, "732829320", "Dupont")]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("732 829 320", "732829320"),
        ("  732 829 320 00074 ", "73282932000074"),
        ("732\u00a0829\u00a0320", "732829320"),  # no-break spaces, as French exports write them
        ("12345678", "12345678"),  # a CSV is text: no leading zero is guessed
    ],
)
def test_spaces_inside_an_identifier_are_removed(cell: str, expected: str) -> None:
    data = f"siret;nom\n{cell};  Dupont  \n".encode()
    assert parse_clients(data, content_type=CSV).rows == [_row(2, expected, "Dupont")]


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file() -> None:
    data = b"siret;nom\n\n732829320;Dupont\n;\n  ;  \n552100554;Martin\n;;\n"
    rows = parse_clients(data, content_type=CSV).rows
    assert [(row.number, row.identifier) for row in rows] == [(3, "732829320"), (6, "552100554")]


@pytest.mark.parametrize(
    ("line", "problem", "identifier", "name"),
    [
        ("732829320", "nom manquant", "732829320", ""),
        (";Dupont", "siren ou siret manquant", "", "Dupont"),
        ("   ;Dupont", "siren ou siret manquant", "", "Dupont"),
        ("732829320;Dupont;extra;cells", None, "732829320", "Dupont"),
    ],
)
def test_short_rows_are_padded_and_a_missing_value_is_the_rows_problem(
    line: str, problem: str | None, identifier: str, name: str
) -> None:
    data = f"siret;nom\n{line}\n".encode()
    assert parse_clients(data, content_type=CSV).rows == [
        SheetRow(2, identifier, name, None, problem)
    ]


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ('=HYPERLINK("http://x");Dupont', "siret"),
        ("+33123456789;Dupont", "siret"),
        ("732829320;@SUM(1)", "nom"),
        ("732829320;-2+3", "nom"),
        ('732829320;"\t=1+1"', "nom"),
        ('732829320;"\rDupont"', "nom"),
        ("732829320;  =1+1", "nom"),  # spaces before the formula do not hide it
        ("732829320;Dupont;=1+1", "nir"),
    ],
)
def test_a_csv_cell_that_would_be_a_formula_refuses_its_row_uninterpreted(
    line: str, column: str
) -> None:
    data = f"siret;nom;nir\n{line}\n".encode()
    (row,) = parse_clients(data, content_type=CSV).rows
    assert row.problem == f"formule refusée dans la colonne {column}"
    assert "=" not in row.identifier + row.name + (row.nir or "")
    assert "@" not in row.name


def test_a_formula_problem_wins_over_a_missing_value_and_the_first_column_wins() -> None:
    data = b"siret;nom;nir\n;=1;@2\n=3;;-4\n"
    rows = parse_clients(data, content_type=CSV).rows
    assert [row.problem for row in rows] == [
        "formule refusée dans la colonne nom",
        "formule refusée dans la colonne siret",
    ]
    assert [(row.identifier, row.name, row.nir) for row in rows] == [("", "", None)] * 2


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="no-bytes"),
        pytest.param(b"siret;nom\n", id="header-only"),
        pytest.param(b"siret;nom\n\n;\n \n", id="header-and-blank-rows"),
        pytest.param(b" \r\n\r\n", id="blank-lines"),
        pytest.param(b"\xef\xbb\xbf", id="bom-only"),
    ],
)
def test_a_csv_without_any_client_row_is_an_empty_file(data: bytes) -> None:
    assert _refused(data, CSV).code == "empty_file"


@pytest.mark.parametrize(
    ("header", "missing", "accepted"),
    [
        ("siret;ville", "colonne nom", "« Raison sociale »"),
        ("nom;ville", "colonne siret", "« SIREN ou SIRET »"),
        ("identifiant siret;raison", "colonne siret", "« Nom ou raison sociale »"),
    ],
)
def test_a_header_without_identifier_or_name_column_is_refused_naming_it(
    header: str, missing: str, accepted: str
) -> None:
    refusal = _refused(f"{header}\n732829320;Lyon\n".encode(), CSV)
    assert refusal.code == "missing_column"
    assert missing in refusal.detail
    assert accepted in refusal.detail


def test_a_csv_with_more_rows_than_the_limit_is_refused() -> None:
    data = ("siret;nom\n" + "".join(f"732829320;N{i}\n" for i in range(11))).encode()
    assert _refused(data, CSV, max_rows=10).code == "too_many_rows"


def test_a_csv_with_exactly_the_limit_is_read_and_blank_rows_do_not_count() -> None:
    data = ("siret;nom\n" + "".join(f"732829320;N{i}\n;\n" for i in range(10))).encode()
    assert len(parse_clients(data, content_type=CSV, max_rows=10).rows) == 10


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_a_csv_neither_utf8_nor_windows_1252_is_a_bad_encoding(byte: bytes) -> None:
    data = b"siret;nom\n732829320;Dupont" + byte + b"\n"
    assert _refused(data, CSV).code == "bad_encoding"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"siret;nom\n7328\x0029320;Dupont\n", id="nul-byte"),
        pytest.param("siret;nom\n732829320;Dupont\n".encode("utf-16"), id="utf-16"),
        pytest.param(b"siret;nom\n732829320;Du\x07pont\n", id="control-byte"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png"),
        pytest.param(zipped({"siret;nom.csv": b"732829320;Dupont"}), id="zip"),
    ],
)
def test_binary_data_sent_as_csv_is_an_unsupported_format(data: bytes) -> None:
    assert _refused(data, CSV).code == "unsupported_format"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('732829320;"Dupont', id="quote-left-open"),
        pytest.param('732829320;"Dupont" SA', id="text-after-closing-quote"),
    ],
)
def test_a_line_with_an_unbalanced_quote_is_a_malformed_row_never_merged(line: str) -> None:
    data = f"siret;nom\n{line}\n552100554;Leroy\n443061841;Martin\n".encode()
    rows = parse_clients(data, content_type=CSV).rows
    assert [(r.number, r.malformed) for r in rows] == [(2, True), (3, False), (4, False)]
    assert (rows[0].problem or "").startswith("ligne mal formée")
    assert rows[0].identifier == "732829320"
    assert [(r.identifier, r.name, r.problem) for r in rows[1:]] == [
        ("552100554", "Leroy", None),
        ("443061841", "Martin", None),
    ]


def test_a_header_with_an_unbalanced_quote_refuses_the_file() -> None:
    refusal = _refused(b'siret;"nom\n732829320;Dupont\n', CSV)
    assert (refusal.code, "première ligne" in refusal.detail) == ("unsupported_format", True)


def test_a_csv_with_carriage_returns_only_is_read_line_by_line() -> None:
    data = b"siret;nom\r732829320;Dupont\r552100554;Leroy\r"
    rows = parse_clients(data, content_type=CSV).rows
    assert [(r.number, r.identifier, r.problem) for r in rows] == [
        (2, "732829320", None),
        (3, "552100554", None),
    ]


def test_a_csv_line_longer_than_the_limit_is_refused_before_it_is_split() -> None:
    data = b'siret;nom\n732829320;"' + b"x" * 200_000 + b'"\n'
    refusal = _refused(data, CSV)
    assert (refusal.code, "ligne 2" in refusal.detail) == ("row_too_long", True)


def test_a_csv_cell_too_long_for_the_csv_reader_is_refused() -> None:
    data = b'siret;nom\n732829320;"' + b"x" * 200_000 + b'"\n'
    limits = SheetLimits(max_line_chars=1_000_000)
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=CSV, limits=limits)
    assert refused.value.code == "unsupported_format"


def test_a_csv_row_of_400000_cells_is_refused_without_being_split() -> None:
    data = b"siret;nom\n732829320;Dupont" + b";" * 400_000 + b"\n"
    limits = SheetLimits(max_line_chars=1_000_000)
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=CSV, limits=limits)
    assert refused.value.code == "too_many_columns"
    assert "200 cellules" in refused.value.detail


def test_a_csv_over_the_cells_limit_is_refused() -> None:
    data = ("siret;nom;a;b\n" + "732829320;Dupont;x;y\n" * 30).encode()
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=CSV, limits=SheetLimits(max_cells=100))
    assert refused.value.code == "too_many_cells"


def test_an_xlsx_row_of_too_many_cells_is_refused_before_openpyxl_reads_it() -> None:
    row = "".join(f'<c r="{_column(i)}1" t="n"><v>1</v></c>' for i in range(1, 400))
    data = _workbook(f'<row r="1">{row}</row>')
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=XLSX)
    assert refused.value.code == "too_many_columns"


def test_an_xlsx_over_the_cells_limit_is_refused() -> None:
    data = xlsx([["SIRET", "Nom", "NIR"]] + [["73282932000074", f"N{i}", ""] for i in range(50)])
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=XLSX, limits=SheetLimits(max_cells=100))
    assert refused.value.code == "too_many_cells"


def test_a_reading_past_its_time_is_refused_in_french() -> None:
    data = ("siret;nom\n" + "732829320;Dupont\n" * 2_000).encode()
    with pytest.raises(SpreadsheetRefused) as refused:
        parse_clients(data, content_type=CSV, limits=SheetLimits(max_seconds=0))
    assert refused.value.code == "too_slow"
    assert "secondes" in refused.value.detail


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _workbook(sheet_data: str) -> bytes:
    """A minimal workbook whose first sheet's ``<sheetData>`` is ``sheet_data``."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return zipped(
        {
            "[Content_Types].xml": (
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="xml" ContentType="application/xml"/></Types>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
                '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{ns}"><sheetData>{sheet_data}</sheetData></worksheet>'
            ).encode(),
        }
    )


# --- XLSX --------------------------------------------------------------------------------


def test_an_xlsx_first_sheet_is_read_row_by_row() -> None:
    data = xlsx(
        [["Siren ou SIRET", "Nom ou raison sociale", "NIR"], ["732 829 320", " Dupont ", None]],
        second_sheet=[["siret", "nom"], ["552100554", "Ailleurs"]],
    )
    assert parse_clients(data, content_type=XLSX) == ParsedSheet(
        [_row(2, "732829320", "Dupont")], "xlsx"
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (73282932000074, "73282932000074"),
        (73282932000074.0, "73282932000074"),
        (552100554.0, "552100554"),
        (12345678, "012345678"),  # SIREN whose leading zero Excel dropped
        (1234567890123, "01234567890123"),  # SIRET likewise
        ("012345678", "012345678"),  # typed as text: kept
    ],
)
def test_an_identifier_typed_as_a_number_gets_back_its_leading_zeros(
    cell: object, expected: str
) -> None:
    data = xlsx([["SIRET", "Nom"], [cell, "Dupont"]])
    assert parse_clients(data, content_type=XLSX).rows == [_row(2, expected, "Dupont")]


def test_a_nir_typed_as_a_number_is_kept_as_its_digits() -> None:
    data = xlsx([["SIRET", "Nom", "NIR"], [732829320, "Dupont", 185057512345600]])
    assert parse_clients(data, content_type=XLSX).rows[0].nir == "185057512345600"


def test_an_xlsx_formula_is_never_evaluated_and_refuses_its_row() -> None:
    data = xlsx(
        [["SIRET", "Nom"], [1, 2], ["=SUM(A1:A2)", "Calcul"], [732829320, '=HYPERLINK("x")']]
    )
    rows = parse_clients(data, content_type=XLSX).rows
    assert rows[1:] == [
        SheetRow(3, "", "Calcul", None, "formule refusée dans la colonne siret"),
        SheetRow(4, "732829320", "", None, "formule refusée dans la colonne nom"),
    ]


def test_an_xlsx_text_cell_starting_like_a_formula_refuses_its_row_too() -> None:
    data = xlsx([["SIRET", "Nom"], [732829320, "@SUM(1)"]])
    (row,) = parse_clients(data, content_type=XLSX).rows
    assert row.problem == "formule refusée dans la colonne nom"


def test_blank_xlsx_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet() -> None:
    data = xlsx(
        [["SIRET", "Nom"], [None, None], [732829320, "Dupont"], ["  ", None], [None, "Seul"]]
    )
    rows = parse_clients(data, content_type=XLSX).rows
    assert rows == [
        _row(3, "732829320", "Dupont"),
        SheetRow(5, "", "Seul", None, "siren ou siret manquant"),
    ]


def test_an_xlsx_without_a_name_column_is_refused() -> None:
    data = xlsx([["SIRET", "Ville"], [732829320, "Lyon"]])
    assert _refused(data, XLSX).code == "missing_column"


def test_an_xlsx_with_only_its_header_is_an_empty_file() -> None:
    assert _refused(xlsx([["SIRET", "Nom"]]), XLSX).code == "empty_file"


def test_an_xlsx_with_more_rows_than_the_limit_is_refused() -> None:
    data = xlsx([["SIRET", "Nom"], *([732829320, f"N{i}"] for i in range(11))])
    assert _refused(data, XLSX, max_rows=10).code == "too_many_rows"
    assert len(parse_clients(data, content_type=XLSX, max_rows=11).rows) == 11


def test_a_row_declared_past_excels_last_row_is_not_walked_to() -> None:
    data = _rewrite(
        xlsx([["SIRET", "Nom"], [732829320, "Dupont"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: (
            xml.replace('r="2"', 'r="999999999"')
            .replace('r="A2"', 'r="A999999999"')
            .replace('r="B2"', 'r="B999999999"')
        ),
    )
    assert _refused(data, XLSX).code == "malformed_xlsx"


def test_an_xml_entity_bomb_is_refused_without_expanding_it() -> None:
    doctype = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = _rewrite(
        xlsx([["SIRET", "Nom"], [732829320, "Dupont"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: doctype + xml.replace("Dupont", "&b;"),
    )
    refusal = _refused(data, XLSX)
    assert refusal.code == "malformed_xlsx"
    causes = []
    cause: BaseException | None = refusal
    while cause is not None:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(c, EntitiesForbidden) for c in causes)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"%PDF-1.7\n1 0 obj\n", "unsupported_format", id="pdf-bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n", "unsupported_format", id="png-bytes"),
        pytest.param(b"siret;nom\n732829320;Dupont\n", "unsupported_format", id="csv-bytes"),
        pytest.param(zipped({"a.txt": b"x"}), "unsupported_format", id="zip-not-xlsx"),
        pytest.param(
            zipped({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<x"}),
            "malformed_xlsx",
            id="broken-workbook",
        ),
    ],
)
def test_bytes_that_are_not_a_readable_workbook_are_refused(data: bytes, code: str) -> None:
    assert _refused(data, XLSX).code == code


def test_a_truncated_xlsx_is_not_recognised_as_a_workbook() -> None:
    data = xlsx([["SIRET", "Nom"], [732829320, "Dupont"]])
    assert _refused(data[: len(data) // 2], XLSX).code == "unsupported_format"


def _no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse_to_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse_to_open)


def test_a_zip_bomb_by_total_size_is_refused_before_openpyxl_opens_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = xlsx([["SIRET", "Nom"], [732829320, "Dupont"]])
    _no_openpyxl(monkeypatch)
    assert _refused(data, XLSX, max_uncompressed_bytes=2_000).code == "zip_bomb"


def test_a_zip_bomb_by_compression_ratio_is_refused_before_openpyxl_opens_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = zipped({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"0" * 5_000_000})
    assert len(data) < 50_000
    _no_openpyxl(monkeypatch)
    assert _refused(data, XLSX).code == "zip_bomb"


# --- whatever the format -----------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/pdf", "application/zip", ""])
def test_a_content_type_neither_csv_nor_xlsx_is_an_unsupported_format(content_type: str) -> None:
    data = xlsx([["SIRET", "Nom"], [732829320, "Dupont"]])
    assert _refused(data, content_type).code == "unsupported_format"


def test_a_csv_labelled_as_excel_by_the_browser_is_read_as_csv() -> None:
    sheet = parse_clients(b"siret;nom\n732829320;Dupont\n", content_type="application/vnd.ms-excel")
    assert sheet.format == "csv"
    assert [(row.identifier, row.name) for row in sheet.rows] == [("732829320", "Dupont")]


def test_an_excel_97_workbook_is_refused_with_a_message_naming_xls() -> None:
    refusal = _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "application/vnd.ms-excel")
    assert refusal.code == "unsupported_format"
    assert ".xls" in refusal.detail


def test_no_bytes_is_an_empty_file_whatever_the_format() -> None:
    assert _refused(b"", XLSX).code == "empty_file"


def test_a_refusal_carries_its_code_and_a_french_detail() -> None:
    refusal = SpreadsheetRefused("empty_file", "Le fichier est vide.")
    assert (refusal.code, refusal.detail) == ("empty_file", "Le fichier est vide.")
    assert "aucune ligne de client" in _refused(b"siret;nom\n", CSV).detail
