"""Reading a firm's client spreadsheet (CSV or XLSX) into rows, safely.

Only the shape of the file is checked here; SIREN/SIRET keys, NIR and registry look-ups are
done by the caller. The file comes from outside, so:

- Nothing is ever evaluated. An XLSX formula, or a text cell that a spreadsheet would take for
  one (``=``, ``+``, ``-``, ``@``, tab, carriage return: CSV injection), refuses its row and
  its value is dropped.
- An XLSX is checked from its zip directory before openpyxl opens it: a workbook must be there,
  the members' total uncompressed size is capped and no member may expand more than
  ``MAX_COMPRESSION_RATIO`` times (zip bombs; ``zipfile`` never reads past a member's declared
  size). openpyxl parses the XML through defusedxml (no entity expansion, no external
  entities), read-only, first worksheet only, only the needed columns, and stops past the row
  limit or past Excel's last row (a gap declared as ``r="999999999"`` is not walked through).
- A CSV is UTF-8 (BOM or not) or Windows-1252, never binary: NUL and other control bytes,
  or the signature of a known binary format, refuse the file. ``;`` or ``,`` is the delimiter,
  whichever the header line has more of.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from typing import Literal

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from mandates.domain.errors import SpreadsheetRefused
from mandates.domain.sheets import CSV_CONTENT_TYPES, XLSX_CONTENT_TYPE, ParsedSheet, SheetRow

__all__ = [
    "CSV_CONTENT_TYPES",
    "XLSX_CONTENT_TYPE",
    "ParsedSheet",
    "SheetRow",
    "SpreadsheetReader",
    "SpreadsheetRefused",
    "parse_clients",
]

MAX_COMPRESSION_RATIO = 100
EXCEL_MAX_ROWS = 1_048_576

Role = Literal["identifier", "name", "nir"]
_ROLES: tuple[Role, ...] = ("identifier", "name", "nir")
_REQUIRED: tuple[Role, ...] = ("identifier", "name")
_LABELS: dict[Role, str] = {"identifier": "siret", "name": "nom", "nir": "nir"}
# Shown to the user as written here; compared after _header_key().
_ACCEPTED_HEADERS: dict[Role, tuple[str, ...]] = {
    "identifier": ("SIREN", "SIRET", "SIREN ou SIRET", "SIREN/SIRET", "Identifiant"),
    "name": ("Nom", "Name", "Raison sociale", "Dénomination", "Nom ou raison sociale"),
    "nir": ("NIR", "Numéro de sécurité sociale"),
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_OLE2 = b"\xd0\xcf\x11\xe0"  # .xls, .doc
_BINARY_SIGNATURES = (
    b"%PDF-",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    _OLE2,
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LINE_END = re.compile(r"\r\n?|\n")
_PLAIN_VALUES = (str, int, float, dt.date, dt.time, dt.timedelta)


def parse_clients(
    data: bytes,
    *,
    content_type: str,
    max_rows: int = 10_000,
    max_uncompressed_bytes: int = 50_000_000,
) -> ParsedSheet:
    """Read the clients listed in a CSV or XLSX file; raise `SpreadsheetRefused` if unreadable."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not data:
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    if kind == XLSX_CONTENT_TYPE:
        return ParsedSheet(_parse_xlsx(data, max_rows, max_uncompressed_bytes), "xlsx")
    if kind in CSV_CONTENT_TYPES:
        return ParsedSheet(_parse_csv(data, max_rows), "csv")
    raise SpreadsheetRefused(
        "unsupported_format",
        f"Type de fichier non pris en charge ({kind or 'non précisé'}) : "
        "envoyez un fichier CSV ou XLSX.",
    )


class SpreadsheetReader:
    """The import's reader, with the row limit of the settings."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows

    def read(self, data: bytes, content_type: str) -> ParsedSheet:
        return parse_clients(data, content_type=content_type, max_rows=self.max_rows)


# --- header and rows, common to both formats ---------------------------------------------


def _header_key(value: object) -> str:
    """Case, accents, surrounding spaces, '_' and '-' do not matter."""
    text = unicodedata.normalize("NFKD", "" if value is None else str(value))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = " ".join(text.replace("_", " ").replace("-", " ").split())
    return text.replace(" / ", "/")


_HEADER_KEYS: dict[Role, frozenset[str]] = {
    role: frozenset(_header_key(name) for name in names)
    for role, names in _ACCEPTED_HEADERS.items()
}


def _columns(header: Sequence[object]) -> dict[Role, int]:
    """The column index of each role; the first matching column wins."""
    found: dict[Role, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for role in _ROLES:
            if key in _HEADER_KEYS[role] and role not in found:
                found[role] = index
    missing = [role for role in _REQUIRED if role not in found]
    if missing:
        details = " ; ".join(
            f"colonne {_LABELS[role]} (en-têtes acceptés : "
            + ", ".join(f"« {name} »" for name in _ACCEPTED_HEADERS[role])
            + ")"
            for role in missing
        )
        raise SpreadsheetRefused(
            "missing_column", f"La première ligne doit nommer les colonnes. Manque : {details}."
        )
    return found


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith(_FORMULA_STARTS) or value.strip().startswith(_FORMULA_STARTS)
    # openpyxl gives array and data-table formulas as objects; anything unknown is refused too
    return isinstance(value, ArrayFormula | DataTableFormula) or not isinstance(
        value, _PLAIN_VALUES
    )


def _text(value: object, role: Role) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if role == "identifier" and value >= 0:
            # a number typed in Excel has lost its leading zeros: SIREN 9 digits, SIRET 14
            return digits.zfill(9) if len(digits) <= 9 else digits.zfill(14)
        return digits
    return str(value).strip()


def _row(number: int, cells: Sequence[object], columns: dict[Role, int]) -> SheetRow:
    values: dict[Role, str] = {}
    problem: str | None = None
    for role in _ROLES:
        index = columns.get(role)
        value = cells[index] if index is not None and index < len(cells) else None
        if _is_blank(value):
            values[role] = ""
        elif _is_formula(value):
            problem = problem or f"formule refusée dans la colonne {_LABELS[role]}"
            values[role] = ""
        else:
            values[role] = _text(value, role)
    identifier = "".join(values["identifier"].split())
    nir = "".join(values["nir"].split())
    name = values["name"]
    if problem is None and not identifier:
        problem = "siren ou siret manquant"
    if problem is None and not name:
        problem = "nom manquant"
    return SheetRow(number, identifier, name, nir or None, problem)


def _rows(
    columns: dict[Role, int], data_rows: Iterable[Sequence[object]], max_rows: int
) -> list[SheetRow]:
    """Data rows numbered from 2; fully empty rows are skipped but keep their number."""
    rows: list[SheetRow] = []
    for number, cells in enumerate(data_rows, start=2):
        if all(_is_blank(cell) for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetRefused(
                "too_many_rows",
                f"Le fichier compte plus de {max_rows} lignes de clients : découpez-le.",
            )
        rows.append(_row(number, cells, columns))
    if not rows:
        raise SpreadsheetRefused("empty_file", "Le fichier ne contient aucune ligne de client.")
    return rows


# --- CSV ---------------------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    not_csv = "Ce fichier n'est pas un CSV : enregistrez le tableur au format CSV (UTF-8)."
    if data.startswith(_OLE2):
        raise SpreadsheetRefused(
            "unsupported_format",
            "Les classeurs Excel 97-2003 (.xls) ne sont pas pris en charge : "
            "enregistrez-le au format XLSX ou CSV.",
        )
    if b"\x00" in data or data.startswith(_BINARY_SIGNATURES):
        raise SpreadsheetRefused("unsupported_format", not_csv)
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SpreadsheetRefused(
                "bad_encoding",
                "Encodage du fichier non reconnu (ni UTF-8 ni Windows-1252) : "
                "enregistrez-le en CSV UTF-8.",
            ) from exc
    if _CONTROL_CHARS.search(text):
        raise SpreadsheetRefused("unsupported_format", not_csv)
    return text


def _parse_csv(data: bytes, max_rows: int) -> list[SheetRow]:
    text = _decode_csv(data)
    if not text.strip():
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    header_line = _LINE_END.split(text, maxsplit=1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = _columns(next(reader))
        return _rows(columns, reader, max_rows)
    except csv.Error as exc:
        raise SpreadsheetRefused(
            "unsupported_format",
            "Ce fichier CSV est illisible (cellule trop longue ou mal formée).",
        ) from exc


# --- XLSX --------------------------------------------------------------------------------

_MALFORMED = "Ce classeur XLSX est illisible ou endommagé : enregistrez-le de nouveau."


def _check_zip(data: bytes, max_uncompressed_bytes: int) -> None:
    """Refuse what is not a workbook, or would expand too much, before anything is inflated."""
    not_xlsx = "Ce fichier n'est pas un classeur XLSX."
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetRefused("unsupported_format", not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as exc:
        raise SpreadsheetRefused("malformed_xlsx", _MALFORMED) from exc
    if not any(member.filename == "xl/workbook.xml" for member in members):
        raise SpreadsheetRefused("unsupported_format", not_xlsx)
    total = sum(member.file_size for member in members)
    too_compressed = any(
        member.file_size > MAX_COMPRESSION_RATIO * member.compress_size for member in members
    )
    if total > max_uncompressed_bytes or too_compressed:
        raise SpreadsheetRefused(
            "zip_bomb", "Ce classeur se décompresserait en un volume anormal : il est refusé."
        )


def _guarded(rows: Iterator[Sequence[object]], first: int) -> Iterator[Sequence[object]]:
    """openpyxl's rows, its errors turned into a refusal, never past Excel's last row."""
    number = first
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise SpreadsheetRefused("malformed_xlsx", _MALFORMED) from exc
        if number > EXCEL_MAX_ROWS:
            raise SpreadsheetRefused("malformed_xlsx", _MALFORMED)
        yield row
        number += 1


def _parse_xlsx(data: bytes, max_rows: int, max_uncompressed_bytes: int) -> list[SheetRow]:
    _check_zip(data, max_uncompressed_bytes)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        raise SpreadsheetRefused("malformed_xlsx", _MALFORMED) from exc
    try:
        if not workbook.worksheets:
            raise SpreadsheetRefused("empty_file", "Ce classeur ne contient aucune feuille.")
        sheet = workbook.worksheets[0]
        # the declared dimension is not trusted: it would make openpyxl pad every row to it
        sheet.reset_dimensions()
        with closing(sheet.iter_rows(max_row=1, values_only=True)) as first_row:
            header = next(_guarded(first_row, 1), None)
        if header is None:
            raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
        columns = _columns(header)
        width = max(columns.values()) + 1
        with closing(sheet.iter_rows(min_row=2, max_col=width, values_only=True)) as data_rows:
            return _rows(columns, _guarded(data_rows, 2), max_rows)
    finally:
        workbook.close()
