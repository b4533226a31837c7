"""Portfolios (seed 004): administrators create, rename, delete empty ones, manage their
subscribers and transfer them to another administrator; every change is an event."""

from __future__ import annotations

import uuid

from mandates.domain import commands, errors
from mandates.domain.portfolios import Portfolio, ensure_unique_name, portfolio_name
from mandates.service_layer.answers import PortfolioState, portfolio_state
from mandates.service_layer.firms import FirmScope, firm_scope, visible_portfolio
from mandates.service_layer.handlers import Dependencies
from mandates.service_layer.integration import publish
from mandates.service_layer.ports import MandatesUnitOfWork


async def create_portfolio(
    cmd: commands.CreatePortfolio, uow: MandatesUnitOfWork, deps: Dependencies
) -> PortfolioState:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        name = portfolio_name(cmd.name)
        ensure_unique_name(await uow.portfolios.of_cabinet(cmd.cabinet_id), name)
        portfolio = Portfolio.create(
            portfolio_id=str(uuid.uuid4()),
            cabinet_id=cmd.cabinet_id,
            name=name,
            owner_account_id=cmd.principal.subject,
            now=deps.clock.now(),
            actor=cmd.principal.subject,
        )
        await uow.portfolios.add(portfolio)
        await publish(uow, deps.sealer, portfolio)
        state = await portfolio_state(uow, portfolio)
        await uow.commit()
        return state


async def rename_portfolio(
    cmd: commands.RenamePortfolio, uow: MandatesUnitOfWork, deps: Dependencies
) -> PortfolioState:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, cmd.portfolio_id)
        name = portfolio_name(cmd.name)
        ensure_unique_name(await uow.portfolios.of_cabinet(cmd.cabinet_id), name, portfolio.id)
        if portfolio.rename(name, deps.clock.now(), cmd.principal.subject):
            await uow.portfolios.save(portfolio)
            await publish(uow, deps.sealer, portfolio)
        state = await portfolio_state(uow, portfolio)
        await uow.commit()
        return state


async def delete_portfolio(
    cmd: commands.DeletePortfolio, uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, cmd.portfolio_id)
        clients = await uow.mandates.count_in_portfolio(portfolio.id)
        portfolio.delete(clients, deps.clock.now(), cmd.principal.subject)
        await publish(uow, deps.sealer, portfolio)
        await uow.portfolios.remove(portfolio)
        await uow.commit()


async def _firm_user(uow: MandatesUnitOfWork, scope: FirmScope, account_id: str) -> str:
    """The name of a user of the caller's firm (404 for anyone else)."""
    user = await uow.directory.user(account_id)
    if user is None or user.cabinet_id != scope.cabinet_id:
        raise errors.FirmUserNotFound
    return user.name or account_id


async def add_subscriber(
    cmd: commands.AddSubscriber, uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    """The collaborator reaches the portfolio's clients; nothing changes if already there."""
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, cmd.portfolio_id)
        name = await _firm_user(uow, scope, cmd.account_id)
        if portfolio.subscribe(cmd.account_id, name, deps.clock.now(), cmd.principal.subject):
            await uow.portfolios.save(portfolio)
            await publish(uow, deps.sealer, portfolio)
        await uow.commit()


async def remove_subscriber(
    cmd: commands.RemoveSubscriber, uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, cmd.portfolio_id)
        name = await _firm_user(uow, scope, cmd.account_id)
        if portfolio.unsubscribe(cmd.account_id, name, deps.clock.now(), cmd.principal.subject):
            await uow.portfolios.save(portfolio)
            await publish(uow, deps.sealer, portfolio)
        await uow.commit()


async def transfer_portfolio(
    cmd: commands.TransferPortfolio, uow: MandatesUnitOfWork, deps: Dependencies
) -> PortfolioState:
    """The responsible changes (seed 000): the portfolio goes to another administrator, who
    is subscribed to it; mandates stay active, nothing is re-entered."""
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, cmd.portfolio_id)
        user = await uow.directory.user(cmd.to_account_id)
        if user is None or user.cabinet_id != cmd.cabinet_id or not user.active:
            raise errors.FirmUserNotFound
        if not user.is_admin:
            raise errors.TransfereeNotAdministrator
        to_name = user.name or cmd.to_account_id
        portfolio.transfer(cmd.to_account_id, to_name, deps.clock.now(), cmd.principal.subject)
        await uow.portfolios.save(portfolio)
        await publish(uow, deps.sealer, portfolio)
        state = await portfolio_state(uow, portfolio)
        await uow.commit()
        return state
