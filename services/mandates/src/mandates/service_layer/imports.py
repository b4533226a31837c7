"""Adding clients from a spreadsheet (SPEC.md 3.1): a per-row report, "all or nothing" or
"the valid rows", idempotent by import id (by default the file's digest)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from servicekit.auth import Principal
from servicekit.outbox import Outgoing

from mandates.domain.model import Affiliate
from mandates.domain.spreadsheet import ParsedSheet, SheetRow
from mandates.service_layer.clients import (
    ALREADY_CLIENT,
    Candidate,
    Deps,
    Refusal,
    firm_name,
    new_key,
    new_request,
    registry_refusal,
    screen,
    target_portfolio,
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
        rows, accepted = await _vet_rows(uow, cabinet_id, sheet)
        refused = sum(1 for r in rows if r.status == "refused")
        if refused and mode == "all_or_nothing":
            return ImportReport(import_id, mode, "rejected", 0, refused, rows)
        now = deps.clock.now()
        name = await firm_name(uow, cabinet_id)
        requests, keys = [], []
        for report_row, siren, affiliate, client_name in accepted:
            mandate = new_request(scope, siren, affiliate, client_name, target, now)
            issued, event_id = new_key(deps, mandate, name, now)
            requests.append(mandate)
            keys.append(Outgoing(issued, mandate.affiliate_id, event_id))
            report_row.status = "added"
            report_row.client_id = mandate.id
        await uow.mandates.add_many(requests)
        await uow.outbox.add_many(keys)
        report = ImportReport(import_id, mode, "imported", len(accepted), refused, rows)
        await uow.imports.add(cabinet_id, import_id, report.to_json(), now)
        await uow.commit()
        return report


async def _vet_rows(
    uow: MandatesUnitOfWork, cabinet_id: str, sheet: ParsedSheet
) -> tuple[list[RowReport], list[tuple[RowReport, str, Affiliate, str]]]:
    """Every row checked as one client would be (`vet`), with the registry and the firm's
    clients read once for the whole sheet; the report rows and the rows to add."""
    rows = [RowReport(line.number, line.identifier, line.name, "accepted") for line in sheet.rows]
    screened: list[tuple[RowReport, SheetRow, str]] = []
    for report_row, line in zip(rows, sheet.rows, strict=True):
        siren = (
            Refusal("unreadable-row", line.problem)
            if line.problem
            else screen(Candidate(line.identifier, line.name, line.nir))
        )
        if isinstance(siren, Refusal):
            _refuse(report_row, siren)
        else:
            screened.append((report_row, line, siren))
    registry = await uow.directory.affiliates_by_siren({siren for _, _, siren in screened})
    followed = await uow.mandates.followed_among(
        cabinet_id, {a.affiliate_id for a in registry.values()}
    )
    accepted = []
    first_row: dict[str, int] = {}
    for report_row, line, siren in screened:
        affiliate = registry.get(siren)
        refusal = registry_refusal(affiliate)
        if refusal is not None:
            _refuse(report_row, refusal)
            continue
        assert affiliate is not None
        if affiliate.affiliate_id in followed:
            _refuse(report_row, ALREADY_CLIENT)
            continue
        if siren in first_row:
            detail = f"Ligne en double : ce SIREN figure déjà ligne {first_row[siren]}."
            _refuse(report_row, Refusal("duplicate-row", detail))
            continue
        first_row[siren] = line.number
        accepted.append((report_row, siren, affiliate, line.name))
    return rows, accepted


def _refuse(row: RowReport, refusal: Refusal) -> None:
    row.status = "refused"
    row.code = refusal.code
    row.detail = refusal.detail
