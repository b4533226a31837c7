"""Adding clients from a spreadsheet (SPEC.md 3.1): a per-row report, "all or nothing" or
"the valid rows", idempotent by import id (by default the file's digest)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from servicekit.auth import Principal

from mandates.domain.spreadsheet import ParsedSheet
from mandates.service_layer.clients import (
    Candidate,
    Deps,
    Refusal,
    place_client,
    target_portfolio,
    vet,
)
from mandates.service_layer.firms import firm_scope
from mandates.service_layer.ports import MandatesUnitOfWork

Mode = Literal["all_or_nothing", "valid_rows"]


@dataclass
class RowReport:
    row: int
    identifier: str
    name: str
    status: Literal["added", "accepted", "refused"]
    code: str | None = None
    detail: str | None = None
    client_id: str | None = None


@dataclass
class ImportReport:
    import_id: str
    mode: Mode
    outcome: Literal["imported", "rejected"]
    added: int
    refused: int
    rows: list[RowReport] = field(default_factory=list)
    replayed: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text)
        data["rows"] = [RowReport(**r) for r in data["rows"]]
        return cls(**data)


async def import_clients(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    import_id: str,
    sheet: ParsedSheet,
    mode: Mode,
    portfolio_id: str | None,
) -> ImportReport:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        earlier = await uow.imports.get(cabinet_id, import_id)
        if earlier is not None:
            report = ImportReport.from_json(earlier)
            report.replayed = True
            return report
        target = await target_portfolio(uow, scope, portfolio_id)
        rows: list[RowReport] = []
        accepted = []
        first_row: dict[str, int] = {}
        for line in sheet.rows:
            report_row = RowReport(line.number, line.identifier, line.name, "accepted")
            rows.append(report_row)
            if line.problem:
                _refuse(report_row, Refusal("unreadable-row", line.problem))
                continue
            vetted = await vet(uow, cabinet_id, Candidate(line.identifier, line.name, line.nir))
            if isinstance(vetted, Refusal):
                _refuse(report_row, vetted)
                continue
            siren, affiliate = vetted
            if siren in first_row:
                detail = f"Ligne en double : ce SIREN figure déjà ligne {first_row[siren]}."
                _refuse(report_row, Refusal("duplicate-row", detail))
                continue
            first_row[siren] = line.number
            accepted.append((report_row, siren, affiliate, line.name))
        refused = sum(1 for r in rows if r.status == "refused")
        if refused and mode == "all_or_nothing":
            return ImportReport(import_id, mode, "rejected", 0, refused, rows)
        for report_row, siren, affiliate, name in accepted:
            mandate = await place_client(uow, deps, scope, siren, affiliate, name, target)
            report_row.status = "added"
            report_row.client_id = mandate.id
        report = ImportReport(import_id, mode, "imported", len(accepted), refused, rows)
        await uow.imports.add(cabinet_id, import_id, report.to_json(), deps.clock.now())
        await uow.commit()
        return report


def _refuse(row: RowReport, refusal: Refusal) -> None:
    row.status = "refused"
    row.code = refusal.code
    row.detail = refusal.detail
