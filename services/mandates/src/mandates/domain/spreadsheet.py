"""Reading a firm's client spreadsheet (CSV or XLSX) into rows, safely.

- Nothing is ever evaluated: a formula (XLSX) or a cell that a spreadsheet would take for one
  (CSV: ``=``, ``+``, ``-``, ``@``, tab, carriage return) refuses its row.
- An XLSX is checked from its zip directory before it is opened: total uncompressed size and
  compression ratio (zip bombs), and the presence of a workbook; openpyxl reads it with
  defusedxml (no XML entity expansion), read-only, first sheet, stopping past the row limit.
- A CSV is UTF-8 (with or without BOM) or Windows-1252; ``;`` or ``,`` as found in the header.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
MAX_RATIO = 100
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADERS = {
    "identifier": {"siren", "siret", "siren ou siret", "siren/siret", "identifiant"},
    "name": {"nom", "name", "raison sociale", "denomination", "nom ou raison sociale"},
    "nir": {"nir", "numero de securite sociale"},
}
_LABELS = {"identifier": "siret", "name": "nom", "nir": "nir"}


@dataclass(frozen=True)
class SheetRow:
    number: int
    identifier: str
    name: str
    nir: str | None
    problem: str | None


@dataclass(frozen=True)
class ParsedSheet:
    rows: list[SheetRow]
    format: Literal["csv", "xlsx"]


class SpreadsheetRefused(Exception):
    """The whole file is refused."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _header_key(value: object) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _columns(header: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for role, names in _HEADERS.items():
            if key in names and role not in found:
                found[role] = index
    missing = [r for r in ("identifier", "name") if r not in found]
    if missing:
        accepted = "; ".join(f"{_LABELS[r]} : " + ", ".join(sorted(_HEADERS[r])) for r in missing)
        raise SpreadsheetRefused(
            "missing_column", f"Colonne(s) manquante(s) dans l'en-tête. Noms acceptés : {accepted}."
        )
    return found


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        digits = str(int(value))
        if len(digits) <= 9:
            return digits.zfill(9)
        if len(digits) <= 14:
            return digits.zfill(14)
        return digits
    return str(value).strip()


def _row(number: int, cells: list[Any], columns: dict[str, int], formula: set[str]) -> SheetRow:
    def get(role: str) -> Any:
        index = columns.get(role)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    values = {role: get(role) for role in ("identifier", "name", "nir")}
    problem = None
    for role in ("identifier", "name", "nir"):
        value = values[role]
        if role in formula or (isinstance(value, str) and value.startswith(_FORMULA_STARTS)):
            problem = f"formule refusée dans la colonne {_LABELS[role]}"
            values[role] = None
            break
    identifier = _cell_text(values["identifier"]).replace(" ", "")
    name = _cell_text(values["name"])
    nir_text = _cell_text(values["nir"]).replace(" ", "") if "nir" in columns else ""
    if problem is None and not identifier:
        problem = "siren ou siret manquant"
    if problem is None and not name:
        problem = "nom manquant"
    return SheetRow(number, identifier, name, nir_text or None, problem)


def _collect(
    lines: Iterable[tuple[list[Any], set[str]]], max_rows: int, fmt: Literal["csv", "xlsx"]
) -> ParsedSheet:
    iterator: Iterator[tuple[list[Any], set[str]]] = iter(lines)
    first = next(iterator, None)
    if first is None:
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    columns = _columns(first[0])
    rows: list[SheetRow] = []
    for number, (cells, formula) in enumerate(iterator, start=2):
        if all(_cell_text(c) == "" for c in cells) and not formula:
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetRefused(
                "too_many_rows", f"Le fichier dépasse {max_rows} lignes de clients."
            )
        rows.append(_row(number, cells, columns, formula))
    if not rows:
        raise SpreadsheetRefused("empty_file", "Le fichier ne contient aucune ligne de client.")
    return ParsedSheet(rows, fmt)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise SpreadsheetRefused("unsupported_format", "Ce fichier n'est pas un CSV lisible.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SpreadsheetRefused(
            "bad_encoding", "Encodage non reconnu : enregistrez le fichier en UTF-8."
        ) from exc


def _csv_lines(text: str) -> Iterator[tuple[list[Any], set[str]]]:
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield list(cells), set()


def _check_zip(data: bytes, max_uncompressed_bytes: int) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetRefused("unsupported_format", "Ce fichier n'est pas un classeur XLSX.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise SpreadsheetRefused("malformed_xlsx", "Ce classeur XLSX est illisible.") from exc
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise SpreadsheetRefused("unsupported_format", "Ce fichier n'est pas un classeur XLSX.")
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > max_uncompressed_bytes or ratio > MAX_RATIO:
        raise SpreadsheetRefused(
            "zip_bomb", "Ce classeur se décompresse en un volume anormal : il est refusé."
        )


def _xlsx_lines(data: bytes, max_rows: int) -> Iterator[tuple[list[Any], set[str]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        raise SpreadsheetRefused("malformed_xlsx", "Ce classeur XLSX est illisible.") from exc
    try:
        sheet = workbook.worksheets[0]
        for count, row in enumerate(sheet.iter_rows()):
            if count > max_rows + 1:
                break
            # a formula cell reads as its text ("=SUM(…)"), refused like a CSV formula
            yield [cell.value for cell in row], set()
    except SpreadsheetRefused:
        raise
    except Exception as exc:
        raise SpreadsheetRefused("malformed_xlsx", "Ce classeur XLSX est illisible.") from exc
    finally:
        workbook.close()


def parse_clients(
    data: bytes,
    *,
    content_type: str,
    max_rows: int = 10_000,
    max_uncompressed_bytes: int = 50_000_000,
) -> ParsedSheet:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not data:
        raise SpreadsheetRefused("empty_file", "Le fichier est vide.")
    if kind == XLSX_TYPE:
        _check_zip(data, max_uncompressed_bytes)
        return _collect(_xlsx_lines(data, max_rows), max_rows, "xlsx")
    if kind in CSV_TYPES:
        if data.startswith(b"PK\x03\x04") or data.startswith(b"%PDF"):
            raise SpreadsheetRefused("unsupported_format", "Ce fichier n'est pas un CSV.")
        return _collect(_csv_lines(_decode(data)), max_rows, "csv")
    raise SpreadsheetRefused(
        "unsupported_format", f"Format non pris en charge ({kind or 'inconnu'}) : CSV ou XLSX."
    )
