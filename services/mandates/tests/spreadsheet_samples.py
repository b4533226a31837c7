"""Spreadsheets built for the tests: XLSX workbooks and raw zip archives."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl


def xlsx(rows: list[list[Any]], *, second_sheet: list[list[Any]] | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (and a second sheet, when given)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if second_sheet is not None:
        other = book.create_sheet("Autre")
        for row in second_sheet:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip archive of ``members`` (name → bytes), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
