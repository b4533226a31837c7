"""The header and the rows of a client spreadsheet, the same for CSV and XLSX: which column
is which, and each row's identifier, name and NIR (or why the row cannot be read)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from mandates.adapters.spreadsheet_limits import Budget
from mandates.domain.errors import SpreadsheetRefused
from mandates.domain.sheets import SheetRow

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
_PLAIN_VALUES = (str, int, float, dt.date, dt.time, dt.timedelta)


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


def columns(header: Sequence[object]) -> dict[Role, int]:
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


@dataclass(frozen=True)
class Malformed:
    """A line the reader could not split into cells; ``cells`` is what it shows."""

    problem: str
    cells: Sequence[object]


def data_rows(
    columns: dict[Role, int],
    lines: Iterable[Sequence[object] | Malformed],
    max_rows: int,
    budget: Budget | None = None,
) -> list[SheetRow]:
    """Data rows numbered from 2; fully empty rows are skipped but keep their number; a
    malformed line is a row of its own, refused with its reason. The reading stops past
    ``budget``'s time."""
    rows: list[SheetRow] = []
    for number, line in enumerate(lines, start=2):
        if budget is not None and number % 256 == 0:
            budget.tick()
        malformed = line if isinstance(line, Malformed) else None
        cells: Sequence[object] = line.cells if isinstance(line, Malformed) else line
        if malformed is None and all(_is_blank(cell) for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetRefused(
                "too_many_rows",
                f"Le fichier compte plus de {max_rows} lignes de clients : découpez-le.",
            )
        row = _row(number, cells, columns)
        if malformed is not None:
            row = replace(row, problem=malformed.problem, malformed=True)
        rows.append(row)
    if not rows:
        raise SpreadsheetRefused("empty_file", "Le fichier ne contient aucune ligne de client.")
    return rows
