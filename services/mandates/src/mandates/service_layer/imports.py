"""Adding clients from a spreadsheet (SPEC.md 3.1): a per-row report, "all or nothing" or
"the valid rows", idempotent by import id (by default the file's digest)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from mandates.domain import commands, errors
from mandates.domain.admission import Candidate, registry_refusal, screen
from mandates.domain.commands import ImportMode
from mandates.domain.directory import Affiliate
from mandates.domain.sheets import ParsedSheet, SheetRow
from mandates.service_layer.firms import FirmScope, firm_scope
from mandates.service_layer.handlers import Dependencies, new_request, target_portfolio
from mandates.service_layer.integration import publish
from mandates.service_layer.ports import MandatesUnitOfWork

RowStatus = Literal["added", "valid_not_imported", "refused"]
NOT_IMPORTED_CODE = "not-imported"
NOT_IMPORTED = (
    "Ligne valide, non importée : en mode « tout ou rien », aucun client n'est ajouté "
    "tant qu'une ligne du fichier est refusée."
)


@dataclass
class RowReport:
    """One row's outcome: ``added`` (a client and its key letter), ``refused`` (``code`` and
    ``detail`` say why), or ``valid_not_imported``: nothing wrong with the row, but the
    all-or-nothing import it belongs to added nothing."""

    row: int
    identifier: str
    name: str
    status: RowStatus
    code: str | None = None
    detail: str | None = None
    client_id: str | None = None


@dataclass
class ImportReport:
    import_id: str
    mode: ImportMode
    outcome: Literal["imported", "rejected"]
    added: int
    refused: int
    rows: list[RowReport] = field(default_factory=list)
    replayed: bool = False
    portfolio_id: str | None = None
    """The portfolio the import put its clients in (not recorded by older imports)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text)
        data["rows"] = [RowReport(**r) for r in data["rows"]]
        return cls(**data)


async def import_clients(
    cmd: commands.ImportClients, uow: MandatesUnitOfWork, deps: Dependencies
) -> ImportReport:
    """Every row checked as one client would be; the valid ones added (all of them or none,
    as the firm chose), each with its key letter; the report kept under the import's id."""
    cabinet_id, import_id, mode = cmd.cabinet_id, cmd.import_id, cmd.mode
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cabinet_id)
        scope.require("clients")
        earlier = await uow.imports.get(cabinet_id, import_id)
        if earlier is not None:
            report = ImportReport.from_json(earlier)
            if not await sees_report(uow, scope, report):
                raise errors.ImportIdTaken
            report.replayed = True
            return report
        target = await target_portfolio(uow, scope, cmd.portfolio_id)
        rows, accepted = await _vet_rows(uow, cabinet_id, cmd.sheet)
        refused = sum(1 for r in rows if r.status == "refused")
        if refused and mode == "all_or_nothing":
            for report_row, *_ in accepted:
                report_row.status = "valid_not_imported"
                report_row.code = NOT_IMPORTED_CODE
                report_row.detail = NOT_IMPORTED
            return ImportReport(import_id, mode, "rejected", 0, refused, rows)
        now = deps.clock.now()
        requests = []
        for report_row, siren, affiliate, client_name in accepted:
            mandate = new_request(cabinet_id, siren, affiliate, client_name, target, now)
            requests.append(mandate)
            report_row.status = "added"
            report_row.client_id = mandate.id
        await uow.mandates.add_many(requests)
        await publish(uow, deps.sealer, *requests)
        report = ImportReport(
            import_id, mode, "imported", len(accepted), refused, rows, portfolio_id=target
        )
        await uow.imports.add(cabinet_id, import_id, report.to_json(), now)
        await uow.commit()
        return report


async def sees_report(uow: MandatesUnitOfWork, scope: FirmScope, report: ImportReport) -> bool:
    """Whether the caller sees the clients a report lists, as they would see each client's
    page: an administrator always; a collaborator if they see the portfolio the import put
    the clients in and every portfolio those clients are in now (a report that names neither,
    from an older import that added nobody, is for administrators only)."""
    if scope.portfolio_ids is None:
        return True
    clients = {row.client_id for row in report.rows if row.client_id is not None}
    portfolios = await uow.mandates.portfolios_of(scope.cabinet_id, clients) if clients else set()
    if report.portfolio_id is not None:
        portfolios.add(report.portfolio_id)
    return bool(portfolios) and all(scope.sees_portfolio(p) for p in portfolios)


async def _vet_rows(
    uow: MandatesUnitOfWork, cabinet_id: str, sheet: ParsedSheet
) -> tuple[list[RowReport], list[tuple[RowReport, str, Affiliate, str]]]:
    """Every row checked as one client would be (`vet`), with the registry and the firm's
    clients read once for the whole sheet; the report rows (each ``added`` until refused, or
    until the import adds nothing) and the rows to add."""
    rows = [RowReport(line.number, line.identifier, line.name, "added") for line in sheet.rows]
    screened: list[tuple[RowReport, SheetRow, str]] = []
    for report_row, line in zip(rows, sheet.rows, strict=True):
        siren: str | errors.ClientRefused
        if line.malformed:
            siren = errors.RowMalformed(line.problem)
        elif line.problem:
            siren = errors.RowUnreadable(line.problem)
        else:
            siren = screen(Candidate(line.identifier, line.name, line.nir))
        if isinstance(siren, errors.ClientRefused):
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
            _refuse(report_row, errors.ClientAlreadyFollowed())
            continue
        if siren in first_row:
            _refuse(report_row, errors.RowDuplicated(first_row[siren]))
            continue
        first_row[siren] = line.number
        accepted.append((report_row, siren, affiliate, line.name))
    return rows, accepted


def _refuse(row: RowReport, refusal: errors.ClientRefused) -> None:
    row.status = "refused"
    row.code = refusal.code
    row.detail = refusal.message
