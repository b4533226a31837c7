"""An agent's bulk load of the registry from a CSV file, with a report per row.

Rows are validated exactly as the business registry's feed (SIREN, SIRETs, NIR, fields);
accepted rows register, update or radiate their affilié; refused rows say why. The whole file
is one transaction: the report is true of what was written.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts.partners.v1 import RegistryAffiliationV1
from pydantic import ValidationError

from identity.domain.dates import FORMATS, parse_date
from identity.domain.errors import InvalidRegistryRecord
from identity.service_layer.handlers import Dependencies
from identity.service_layer.ports import IdentityUnitOfWork
from identity.service_layer.registry import affiliate_from, apply

COLUMNS = (
    "siren", "sirets", "nir", "birth_name", "usage_name", "first_names", "birth_date",
    "category", "address_line", "postal_code", "city", "departement", "email", "mobile",
    "affiliated_on", "radiated_on",
)  # fmt: skip
REQUIRED = frozenset(COLUMNS) - {"sirets", "usage_name", "email", "mobile", "radiated_on"}
"""The columns the header must name (in any order); the others may be absent."""
MAX_ROWS = 50_000


class ImportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowReport:
    row: int
    status: str
    reason: str | None = None
    affiliate_id: str | None = None
    change: str | None = None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("Le fichier n'est ni en UTF-8 ni en Windows-1252.")


FIELD_MAX = 200
"""The longest value a column takes (the e-mail: ``EMAIL_MAX``); longer is a refused row."""
EMAIL_MAX = 320
DATES = ("birth_date", "affiliated_on", "radiated_on")
LINE_BREAK = re.compile(r"\r\n|\n")
"""What ends a line: LF or CR LF. A CR alone inside a line is refused, never a line break."""


class RowRefused(Exception):
    """One row cannot be read; its reason (French) names the column."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Line:
    number: int
    """The line number in the file, as an editor or a spreadsheet shows it (header: 1)."""
    text: str


def _lines(data: bytes) -> tuple[list[str], str, list[Line]]:
    """The header's columns, the delimiter, and the file's other non-blank lines."""
    text = _decode(data)
    if not text.strip():
        raise ImportRefused("Le fichier est vide.")
    physical = LINE_BREAK.split(text)
    first = physical[0].replace("\r", "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        raise ImportRefused("La ligne d'en-tête est illisible.") from None
    missing = sorted(REQUIRED - set(header))
    if missing:
        raise ImportRefused("Colonnes manquantes : " + ", ".join(missing) + ".")
    lines = [Line(n, t) for n, t in enumerate(physical[1:], start=2) if t.strip()]
    if len(lines) > MAX_ROWS:
        raise ImportRefused(f"Le fichier dépasse {MAX_ROWS} lignes.")
    return header, delimiter, lines


def _fields(line: Line, header: list[str], delimiter: str) -> dict[str, str]:
    """One line's values by column; :class:`RowRefused` if it cannot be read as a row."""
    if "\r" in line.text:
        raise RowRefused(
            "La ligne contient un retour chariot (CR) isolé : retirez-le ou mettez la valeur "
            "sur une seule ligne."
        )
    try:
        values = next(csv.reader([line.text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise RowRefused(f"Une valeur de la ligne dépasse {FIELD_MAX} caractères.") from None
        raise RowRefused(
            "La ligne est illisible (guillemets mal fermés ou caractère non admis)."
        ) from None
    if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
        raise RowRefused(
            f"La ligne a {len(values)} colonnes, l'en-tête {len(header)} : un séparateur "
            f"« {delimiter} » dans une valeur doit être entre guillemets."
        )
    row = {name: value.strip() for name, value in zip(header, values, strict=False) if name}
    for name, value in row.items():
        limit = EMAIL_MAX if name == "email" else FIELD_MAX
        if len(value) > limit:
            raise RowRefused(f"Colonne {name} : plus de {limit} caractères.")
        if "\x00" in value:
            raise RowRefused(f"Colonne {name} : caractère nul non admis.")
    return row


def _record(row: dict[str, str]) -> RegistryAffiliationV1:
    dates: dict[str, date | None] = {}
    for name in DATES:
        value = row.get(name, "")
        try:
            dates[name] = parse_date(value) if value else None
        except ValueError as exc:
            raise RowRefused(f"Colonne {name} : {exc}") from None
    optional = {k: row.get(k) or None for k in ("usage_name", "email", "mobile")}
    data: dict[str, Any] = {
        "siren": row.get("siren", ""),
        "sirets": [s for s in row.get("sirets", "").split("|") if s],
        "nir": row.get("nir", ""),
        "birth_name": row.get("birth_name", ""),
        "first_names": row.get("first_names", ""),
        "category": row.get("category", ""),
        "address": {
            "lines": [row.get("address_line", "")],
            "postal_code": row.get("postal_code", ""),
            "city": row.get("city", ""),
        },
        "departement": row.get("departement", ""),
        **{k: v for k, v in dates.items() if v is not None},
        **optional,
    }
    return RegistryAffiliationV1.model_validate(data)


_COLUMN_OF: dict[tuple[str, ...], str] = {
    ("address", "lines"): "address_line",
    ("address", "postal_code"): "postal_code",
}
_MESSAGES = {
    "missing": "valeur obligatoire manquante.",
    "string_too_short": "valeur obligatoire manquante.",
    "literal_error": "valeur non reconnue",
    "string_pattern_mismatch": "format non valide.",
    "too_short": "valeur obligatoire manquante.",
}
_CATEGORIES = "artisan, commercant, micro_entrepreneur, profession_liberale, retraite, ayant_droit"


def _reason(exc: ValidationError) -> str:
    """The first error, in French, naming the CSV column."""
    first = exc.errors()[0]
    loc = tuple(str(p) for p in first["loc"])
    column = _COLUMN_OF.get(loc[:2]) or (loc[-1] if loc and loc[0] == "address" else "")
    column = column or (loc[0] if loc else "ligne")
    kind = first["type"]
    message = _MESSAGES.get(kind, "valeur non valide.")
    if kind == "literal_error" and column == "category":
        message = f"valeur non reconnue (attendu : {_CATEGORIES})."
    elif column == "postal_code":
        message = "5 chiffres attendus."
    elif column in DATES:
        message = f"date illisible : écrivez-la {FORMATS}."
    return f"Colonne {column} : {message}"


async def import_csv(data: bytes, uow: IdentityUnitOfWork, deps: Dependencies) -> list[RowReport]:
    header, delimiter, lines = _lines(data)
    reports: list[RowReport] = []
    seen: dict[str, int] = {}
    async with uow:
        for line in lines:
            number = line.number
            try:
                record = _record(_fields(line, header, delimiter))
                affiliate = affiliate_from(record, deps.tokens.new_id())
            except RowRefused as exc:
                reports.append(RowReport(number, "refused", exc.reason))
                continue
            except ValidationError as exc:
                reports.append(RowReport(number, "refused", _reason(exc)))
                continue
            except InvalidRegistryRecord as exc:
                reports.append(RowReport(number, "refused", exc.message))
                continue
            if affiliate.siren in seen:
                reason = f"SIREN déjà présent à la ligne {seen[affiliate.siren]}."
                reports.append(RowReport(number, "refused", reason))
                continue
            seen[affiliate.siren] = number
            affiliate_id, change = await apply(uow, deps, affiliate, record.radiated_on)
            reports.append(RowReport(number, "accepted", None, affiliate_id, change))
        await uow.commit()
    return reports
