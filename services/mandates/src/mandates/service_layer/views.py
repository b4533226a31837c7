"""Reads: what a firm user sees of the firm's clients, portfolios and imports, and what the
client sees of their mandate. Each opens a read-only unit of work and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace

from servicekit.auth import Principal

from mandates.domain import errors
from mandates.domain.model import HistoryEntry, Mandate
from mandates.domain.scopes import ASSURE_HIDDEN_TRANSITIONS
from mandates.service_layer.answers import (
    ClientState,
    PortfolioState,
    client_state,
    portfolio_state,
)
from mandates.service_layer.assures import affiliate_of
from mandates.service_layer.firms import firm_scope, visible_mandate
from mandates.service_layer.handlers import target_portfolio
from mandates.service_layer.imports import ImportReport, sees_report
from mandates.service_layer.ports import ClientQuery, MandatesUnitOfWork, Page


@dataclass(frozen=True)
class HeldMandate:
    mandate: Mandate
    cabinet_name: str
    history: list[HistoryEntry]


async def list_clients(
    uow: MandatesUnitOfWork, principal: Principal, query: ClientQuery
) -> Page[Mandate]:
    """A page of the firm's clients the caller sees (their portfolios, or all for admins)."""
    async with uow:
        scope = await firm_scope(uow, principal, query.cabinet_id)
        if scope.portfolio_ids is not None:
            allowed = sorted(scope.portfolio_ids)
            if query.portfolio_ids is not None:
                allowed = [p for p in query.portfolio_ids if p in scope.portfolio_ids]
            query = replace(query, portfolio_ids=allowed)
        return await uow.mandates.search(query)


async def client_view(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str, mandate_id: str
) -> ClientState:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        return await client_state(uow, await visible_mandate(uow, scope, mandate_id))


async def list_portfolios(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str
) -> list[PortfolioState]:
    """The portfolios the caller sees, with their subscribers and their count of clients."""
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        return [
            await portfolio_state(uow, p)
            for p in await uow.portfolios.of_cabinet(cabinet_id)
            if scope.sees_portfolio(p.id)
        ]


async def may_import(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str, portfolio_id: str | None
) -> None:
    """Refuse, before a spreadsheet is even read, a caller who may not import into this
    firm (404 another firm's space, 403 without the ``clients`` right, 404 a portfolio not
    theirs, 403 no portfolio to put clients in). The import checks it all again in its own
    transaction."""
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        await target_portfolio(uow, scope, portfolio_id)


async def import_report(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str, import_id: str
) -> ImportReport:
    """The report of an import, for who sees the clients it lists (``sees_report``); for
    anyone else in the firm it is not found, as a client not theirs is."""
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        stored = await uow.imports.get(cabinet_id, import_id)
        if stored is None:
            raise errors.ImportNotFound
        report = ImportReport.from_json(stored)
        if not await sees_report(uow, scope, report):
            raise errors.ImportNotFound
    return report


async def my_mandates(uow: MandatesUnitOfWork, principal: Principal) -> list[HeldMandate]:
    """Every mandate and request of the assuré, newest first, each with every transition of
    its history (who made it included) but the firm's own filing (``moved``)."""
    affiliate_id = affiliate_of(principal)
    async with uow:
        held = []
        for mandate in await uow.mandates.of_affiliate(affiliate_id):
            name = await uow.directory.cabinet_name(mandate.cabinet_id) or mandate.cabinet_id
            history = await uow.mandates.history(mandate.id)
            visible = [h for h in history if h.transition not in ASSURE_HIDDEN_TRANSITIONS]
            held.append(HeldMandate(mandate, name, visible))
        return held
