"""Reading an XLSX client spreadsheet: the zip checked from its directory before anything is
inflated, its worksheets' cells and its shared strings counted by a streaming pass (no row
or file over the limits reaches openpyxl), then openpyxl (XML through defusedxml),
read-only, the first worksheet only."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

import openpyxl
from defusedxml import ElementTree as DefusedElementTree

from mandates.adapters import spreadsheet_rows as sheet_rows
from mandates.adapters.spreadsheet_limits import Budget, too_many_cells, too_many_columns
from mandates.domain.errors import SpreadsheetRefused
from mandates.domain.sheets import SheetRow

MAX_COMPRESSION_RATIO = 100
EXCEL_MAX_ROWS = 1_048_576
_MALFORMED = "Ce classeur XLSX est illisible ou endommagé : enregistrez-le de nouveau."


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_events(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The member's start and end events, streamed through defusedxml; a broken XML, a DTD
    or an entity is a malformed workbook."""
    events = DefusedElementTree.iterparse(stream, events=("start", "end"))
    while True:
        try:
            event = next(events)
        except StopIteration:
            return
        except Exception as exc:
            raise SpreadsheetRefused("malformed_xlsx", _MALFORMED) from exc
        yield event


@dataclass
class _CellCounter:
    """Counts a worksheet's cells row by row (or the shared strings) against ``budget``."""

    budget: Budget
    strings: bool
    row_cells: int = 0
    strings_seen: int = 0

    def start(self, name: str) -> None:
        limits = self.budget.limits
        if self.strings:
            if name == "si":
                self.strings_seen += 1
                if self.strings_seen > limits.max_cells:
                    raise too_many_cells(limits)
        elif name == "row":
            self.row_cells = 0
        elif name == "c":
            self.row_cells += 1
            if self.row_cells > limits.max_columns:
                raise too_many_columns(limits)
            if self.budget.cells + self.row_cells > limits.max_cells:
                raise too_many_cells(limits)

    def end(self, name: str) -> None:
        if name == "row" and not self.strings:
            self.budget.row(self.row_cells)


def _scan_member(stream: IO[bytes], budget: Budget, *, strings: bool) -> None:
    """Count a worksheet's cells, row by row (or the shared strings), streaming the XML:
    a row or a file over a limit is refused before openpyxl reads it."""
    counter = _CellCounter(budget, strings)
    for n, (event, element) in enumerate(_xml_events(stream), start=1):
        if n % 4096 == 0:
            budget.tick()
        name = _local(element.tag)
        if event == "start":
            counter.start(name)
        else:
            counter.end(name)
            element.clear()


def _scan(data: bytes, budget: Budget) -> None:
    """Every worksheet and the shared strings, counted before openpyxl opens the workbook."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            name = member.filename
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            is_strings = name == "xl/sharedStrings.xml"
            if is_sheet or is_strings:
                with archive.open(member) as stream:
                    _scan_member(stream, budget, strings=is_strings)


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


def parse_xlsx(data: bytes, budget: Budget) -> list[SheetRow]:
    _check_zip(data, budget.limits.max_expanded_bytes)
    _scan(data, budget)
    budget.tick()
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
            return sheet_rows.data_rows(
                columns, _guarded(data_rows, 2), budget.limits.max_rows, budget
            )
    finally:
        workbook.close()
