"""The bounds of reading one client spreadsheet: rows, cells, columns, a line's length, the
size a workbook expands to, and the time the reading may take. Each refusal is a
:class:`SpreadsheetRefused` with a French detail (422)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mandates.domain.errors import SpreadsheetRefused


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int = 10_000
    max_columns: int = 200
    """Cells in one row (a CSV line, an XLSX ``<row>``)."""
    max_cells: int = 250_000
    """Cells in the whole file (XLSX: every worksheet, and the shared strings apart)."""
    max_line_chars: int = 10_000
    """Characters in one CSV line."""
    max_expanded_bytes: int = 25_000_000
    """An XLSX's members once inflated, in all."""
    max_seconds: float = 10.0


@dataclass
class Budget:
    """What one reading has spent of its limits; :meth:`tick` refuses past the time."""

    limits: SheetLimits
    deadline: float = field(init=False)
    cells: int = 0

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.limits.max_seconds

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetRefused(
                "too_slow",
                f"La lecture du fichier dépasse {self.limits.max_seconds:g} secondes : "
                "découpez-le en fichiers plus petits.",
            )

    def row(self, cells: int) -> None:
        """One more row of ``cells`` cells."""
        if cells > self.limits.max_columns:
            raise too_many_columns(self.limits)
        self.add_cells(cells)

    def add_cells(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.max_cells:
            raise too_many_cells(self.limits)


def too_many_columns(limits: SheetLimits) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "too_many_columns",
        f"Une ligne du fichier compte plus de {limits.max_columns} cellules : gardez les "
        "colonnes SIREN ou SIRET, nom et NIR.",
    )


def too_many_cells(limits: SheetLimits) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "too_many_cells",
        f"Le fichier compte plus de {limits.max_cells} cellules : gardez les colonnes "
        "SIREN ou SIRET, nom et NIR, ou découpez-le.",
    )


def line_too_long(limits: SheetLimits, number: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "row_too_long",
        f"La ligne {number} dépasse {limits.max_line_chars} caractères : ce n'est pas une "
        "liste de clients lisible.",
    )
