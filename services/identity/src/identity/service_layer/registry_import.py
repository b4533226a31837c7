"""An agent's bulk load of the registry from a CSV file, with a report per row.

Rows are validated exactly as the business registry's feed (SIREN, SIRETs, NIR, fields);
accepted rows register, update or radiate their affilié; refused rows say why. The whole file
is one transaction: the report is true of what was written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from contracts.common import PostalAddress
from contracts.partners.v1 import RegistryAffiliationV1
from pydantic import ValidationError

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


def _rows(data: bytes) -> list[dict[str, str]]:
    text = _decode(data)
    if not text.strip():
        raise ImportRefused("Le fichier est vide.")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {h.strip() for h in reader.fieldnames or []}
    missing = sorted(REQUIRED - header)
    if missing:
        raise ImportRefused("Colonnes manquantes : " + ", ".join(missing) + ".")
    rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"Le fichier dépasse {MAX_ROWS} lignes.")
    return rows


def _record(row: dict[str, str]) -> RegistryAffiliationV1:
    optional = {k: row.get(k) or None for k in ("usage_name", "email", "mobile", "radiated_on")}
    data: dict[str, Any] = {
        "siren": row["siren"],
        "sirets": [s for s in row.get("sirets", "").split("|") if s],
        "nir": row["nir"],
        "birth_name": row["birth_name"],
        "first_names": row["first_names"],
        "birth_date": row["birth_date"],
        "category": row["category"],
        "address": PostalAddress(
            lines=[row["address_line"]], postal_code=row["postal_code"], city=row["city"]
        ),
        "departement": row["departement"],
        "affiliated_on": row["affiliated_on"],
        **optional,
    }
    return RegistryAffiliationV1.model_validate(data)


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "ligne"
    return f"{field} : {first['msg']}"


async def import_csv(data: bytes, uow: IdentityUnitOfWork, deps: Dependencies) -> list[RowReport]:
    rows = _rows(data)
    reports: list[RowReport] = []
    seen: dict[str, int] = {}
    async with uow:
        for number, row in enumerate(rows, start=2):
            try:
                record = _record(row)
                affiliate = affiliate_from(record, deps.tokens.new_id())
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
