"""What a client spreadsheet holds once read (``adapters/spreadsheet.py`` reads the file), and
the media types an import accepts (SPEC.md 3.1: CSV and XLSX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Browsers on machines with Excel label a .csv file "application/vnd.ms-excel": it is read as
# CSV, and a real .xls (OLE2 bytes) is then refused with its own message.
CSV_CONTENT_TYPES = frozenset(
    {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}
)


@dataclass(frozen=True)
class SheetRow:
    """One data row; ``number`` is the row number the user sees (the header is row 1).
    ``malformed``: the line itself cannot be read as CSV (a quote left open…); ``problem``
    then says why and the values are only what the line shows, for the report."""

    number: int
    identifier: str
    name: str
    nir: str | None
    problem: str | None
    malformed: bool = False


@dataclass(frozen=True)
class ParsedSheet:
    rows: list[SheetRow]
    format: Literal["csv", "xlsx"]
