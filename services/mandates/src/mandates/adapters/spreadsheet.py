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
import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from mandates.adapters import spreadsheet_rows as sheet_rows
from mandates.adapters.spreadsheet_limits import (
    Budget,
    SheetLimits,
    line_too_long,
    too_many_columns,
)
from mandates.adapters.spreadsheet_xlsx import parse_xlsx as _parse_xlsx
from mandates.domain.errors import SpreadsheetRefused
from mandates.domain.sheets import CSV_CONTENT_TYPES, XLSX_CONTENT_TYPE, ParsedSheet, SheetRow

__all__ = [
    "CSV_CONTENT_TYPES",
    "XLSX_CONTENT_TYPE",
    "ParsedSheet",
    "SheetLimits",
    "SheetRow",
    "SpreadsheetReader",
    "SpreadsheetRefused",
    "parse_clients",
]

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


def parse_clients(
    data: bytes,
    *,
    content_type: str,
    max_rows: int | None = None,
    max_uncompressed_bytes: int | None = None,
    limits: SheetLimits | None = None,
) -> ParsedSheet:
    """Read the clients listed in a CSV or XLSX file, within ``limits``; raise
    `SpreadsheetRefused` if unreadable or over a limit. CPU-bound: the api calls it off its
    event loop (``bootstrap.MandatesApp.read_spreadsheet``)."""
    limits = limits or SheetLimits()
    if max_rows is not None:
        limits = replace(limits, max_rows=max_rows)
    if max_uncompressed_bytes is not None:
        limits = replace(limits, max_expanded_bytes=max_uncompressed_bytes)
    budget = Budget(limits)
    kind = content_type.split(";", 1)[0].strip().lower()
    if not data:
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    if kind == XLSX_CONTENT_TYPE:
        return ParsedSheet(_parse_xlsx(data, budget), "xlsx")
    if kind in CSV_CONTENT_TYPES:
        return ParsedSheet(_parse_csv(data, budget), "csv")
    raise SpreadsheetRefused(
        "unsupported_format",
        f"Type de fichier non pris en charge ({kind or 'non précisé'}) : "
        "envoyez un fichier CSV ou XLSX.",
    )


class SpreadsheetReader:
    """The import's reader, with the limits of the settings."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits

    def read(self, data: bytes, content_type: str) -> ParsedSheet:
        return parse_clients(data, content_type=content_type, limits=self.limits)

    def read_with_digest(self, data: bytes, content_type: str) -> tuple[ParsedSheet, str]:
        """The rows and the file's SHA-256 (the default import id), both CPU work done where
        the reading runs (a worker thread of the api)."""
        return self.read(data, content_type), hashlib.sha256(data).hexdigest()


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


_UNREADABLE_CSV = "Ce fichier CSV est illisible (cellule trop longue ou mal formée)."
MALFORMED_LINE = (
    "ligne mal formée : un guillemet n'est pas refermé ou est mal placé "
    "(une cellule ne peut pas s'étendre sur plusieurs lignes)"
)


def _physical_lines(text: str) -> list[str]:
    """The file's lines as an editor shows them: split on ``\n`` (``\r\n`` too), or on
    ``\r`` alone in a file that has no ``\n`` (old Mac exports). A carriage return inside a
    line stays in it (and refuses its cell as formula-like)."""
    if "\n" in text:
        return [line.removesuffix("\r") for line in text.split("\n")]
    return text.split("\r")


def _cells(
    line: str, number: int, delimiter: str, budget: Budget
) -> Sequence[str] | sheet_rows.Malformed:
    """One line's cells, read on its own: a quote it leaves open, or a character after a
    closing quote, makes it malformed, and never swallows the lines after it. A line too
    long, or of too many cells, refuses the file before it is split."""
    if len(line) > budget.limits.max_line_chars:
        raise line_too_long(budget.limits, number)
    if line.count(delimiter) >= budget.limits.max_columns:
        raise too_many_columns(budget.limits)
    if len(line) > csv.field_size_limit():
        raise SpreadsheetRefused("unsupported_format", _UNREADABLE_CSV)
    try:
        cells: Sequence[str] | sheet_rows.Malformed = next(
            csv.reader([line], delimiter=delimiter, strict=True), []
        )
    except csv.Error:
        shown = next(csv.reader([line], delimiter=delimiter), [])
        cells = sheet_rows.Malformed(MALFORMED_LINE, shown)
    budget.row(len(cells.cells if isinstance(cells, sheet_rows.Malformed) else cells))
    return cells


def _parse_csv(data: bytes, budget: Budget) -> list[SheetRow]:
    text = _decode_csv(data)
    if not text.strip():
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    lines = _physical_lines(text)
    header_line = lines[0][: budget.limits.max_line_chars + 1]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = _cells(lines[0], 1, delimiter, budget)
    if isinstance(header, sheet_rows.Malformed):
        raise SpreadsheetRefused(
            "unsupported_format",
            f"La première ligne (les noms des colonnes) est illisible : {MALFORMED_LINE}.",
        )
    columns = sheet_rows.columns(header)
    body = (_cells(line, n, delimiter, budget) for n, line in enumerate(lines[1:], start=2))
    return sheet_rows.data_rows(columns, body, budget.limits.max_rows, budget)
