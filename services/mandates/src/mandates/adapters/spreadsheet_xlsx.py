"""Reading an XLSX client spreadsheet: the zip checked from its directory before anything is
inflated, then openpyxl (XML through defusedxml), read-only, the first worksheet only."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import closing

import openpyxl

from mandates.adapters import spreadsheet_rows as sheet_rows
from mandates.domain.errors import SpreadsheetRefused
from mandates.domain.sheets import SheetRow

MAX_COMPRESSION_RATIO = 100
EXCEL_MAX_ROWS = 1_048_576
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


def parse_xlsx(data: bytes, max_rows: int, max_uncompressed_bytes: int) -> list[SheetRow]:
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
        columns = sheet_rows.columns(header)
        width = max(columns.values()) + 1
        with closing(sheet.iter_rows(min_row=2, max_col=width, values_only=True)) as data_rows:
            return sheet_rows.data_rows(columns, _guarded(data_rows, 2), max_rows)
    finally:
        workbook.close()
