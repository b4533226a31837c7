"""Portfolios (seed 004): administrators create, rename, delete empty ones, manage their
subscribers and transfer them to another administrator; every change is an event."""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.common import Recipient
from contracts.mandates import v1
from servicekit.auth import Principal
from servicekit.problems import Conflict, NotFound, ValidationProblem

from mandates.domain.model import Portfolio
from mandates.service_layer.clients import Deps
from mandates.service_layer.firms import FirmScope, firm_scope, recipients, visible_portfolio
from mandates.service_layer.ports import MandatesUnitOfWork


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 120:
        raise ValidationProblem(
            "Le nom du portefeuille est obligatoire (120 caractères au plus).",
            errors=[{"field": "name", "message": "1 à 120 caractères"}],
        )
    return cleaned


async def _unique(uow: MandatesUnitOfWork, cabinet_id: str, name: str, skip: str = "") -> None:
    for other in await uow.portfolios.of_cabinet(cabinet_id):
        if other.id != skip and other.name.casefold() == name.casefold():
            raise Conflict(f"Un portefeuille s'appelle déjà « {name} ».", kind="portfolio-exists")


async def _event_base(
    uow: MandatesUnitOfWork, p: Portfolio, now: datetime, actor: str | None
) -> dict[str, object]:
    return {
        "cabinet_id": p.cabinet_id,
        "cabinet_name": await uow.directory.cabinet_name(p.cabinet_id) or p.cabinet_id,
        "portfolio_id": p.id,
        "portfolio_name": p.name,
        "occurred_at": now,
        "notify": await recipients(uow, p.cabinet_id, p.id, exclude=actor, admins=False),
    }


async def list_portfolios(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str
) -> list[tuple[Portfolio, list[str], int]]:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        found = []
        for p in await uow.portfolios.of_cabinet(cabinet_id):
            if scope.sees_portfolio(p.id):
                found.append(
                    (
                        p,
                        await uow.portfolios.subscribers(p.id),
                        await uow.mandates.count_in_portfolio(p.id),
                    )
                )
        return found


async def create_portfolio(
    uow: MandatesUnitOfWork, deps: Deps, principal: Principal, cabinet_id: str, name: str
) -> Portfolio:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        cleaned = _name(name)
        await _unique(uow, cabinet_id, cleaned)
        now = deps.clock.now()
        portfolio = Portfolio(str(uuid.uuid4()), cabinet_id, cleaned, principal.subject, False, now)
        await uow.portfolios.add(portfolio)
        base = await _event_base(uow, portfolio, now, principal.subject)
        await uow.outbox.add(v1.PortfolioCreatedV1.model_validate(base), subject=cabinet_id)
        await uow.commit()
        return portfolio


async def rename_portfolio(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    portfolio_id: str,
    name: str,
) -> Portfolio:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, portfolio_id)
        cleaned = _name(name)
        await _unique(uow, cabinet_id, cleaned, skip=portfolio.id)
        previous, portfolio.name = portfolio.name, cleaned
        if previous != cleaned:
            await uow.portfolios.save(portfolio)
            now = deps.clock.now()
            base = await _event_base(uow, portfolio, now, principal.subject)
            await uow.outbox.add(
                v1.PortfolioRenamedV1.model_validate({**base, "previous_name": previous}),
                subject=cabinet_id,
            )
        await uow.commit()
        return portfolio


async def delete_portfolio(
    uow: MandatesUnitOfWork, deps: Deps, principal: Principal, cabinet_id: str, portfolio_id: str
) -> None:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, portfolio_id)
        if portfolio.is_default:
            raise Conflict(
                "Le portefeuille par défaut du cabinet ne peut pas être supprimé.",
                kind="default-portfolio",
            )
        if await uow.mandates.count_in_portfolio(portfolio.id):
            raise Conflict(
                "Ce portefeuille contient des clients : déplacez-les avant de le supprimer.",
                kind="portfolio-not-empty",
            )
        base = await _event_base(uow, portfolio, deps.clock.now(), principal.subject)
        await uow.portfolios.remove(portfolio.id)
        await uow.outbox.add(v1.PortfolioDeletedV1.model_validate(base), subject=cabinet_id)
        await uow.commit()


async def _firm_user(uow: MandatesUnitOfWork, scope: FirmScope, account_id: str) -> str:
    user = await uow.directory.user(account_id)
    if user is None or user.cabinet_id != scope.cabinet_id:
        raise NotFound("Cet utilisateur n'appartient pas au cabinet.", kind="user-not-found")
    return user.name or account_id


async def set_subscription(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    portfolio_id: str,
    account_id: str,
    *,
    subscribed: bool,
) -> None:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, portfolio_id)
        user_name = await _firm_user(uow, scope, account_id)
        if subscribed:
            changed = await uow.portfolios.subscribe(portfolio.id, account_id)
        else:
            changed = await uow.portfolios.unsubscribe(portfolio.id, account_id)
        if changed:
            now = deps.clock.now()
            base = await _event_base(uow, portfolio, now, principal.subject)
            removed = await uow.directory.user(account_id)
            if not subscribed and removed is not None and removed.email:
                told = [Recipient(email=removed.email, display_name=user_name)]
                base["notify"] = told + list(base["notify"])  # type: ignore[call-overload]
            event = v1.PortfolioSubscriberAddedV1 if subscribed else v1.PortfolioSubscriberRemovedV1
            await uow.outbox.add(
                event.model_validate(
                    {**base, "subscriber_account_id": account_id, "subscriber_name": user_name}
                ),
                subject=cabinet_id,
            )
        await uow.commit()


async def transfer_portfolio(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    portfolio_id: str,
    to_account_id: str,
) -> Portfolio:
    """The responsible changes (seed 000): the portfolio goes to another administrator, who
    is subscribed to it; mandates stay active, nothing is re-entered."""
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        portfolio = await visible_portfolio(uow, scope, portfolio_id)
        user = await uow.directory.user(to_account_id)
        if user is None or user.cabinet_id != cabinet_id or not user.active:
            raise NotFound("Cet utilisateur n'appartient pas au cabinet.", kind="user-not-found")
        if not user.is_admin:
            raise Conflict(
                "Un portefeuille se transfère à un administrateur du cabinet.",
                kind="not-an-administrator",
            )
        previous = portfolio.owner_account_id or ""
        portfolio.owner_account_id = to_account_id
        await uow.portfolios.save(portfolio)
        await uow.portfolios.subscribe(portfolio.id, to_account_id)
        base = await _event_base(uow, portfolio, deps.clock.now(), principal.subject)
        await uow.outbox.add(
            v1.PortfolioTransferredV1.model_validate(
                {
                    **base,
                    "from_account_id": previous,
                    "to_account_id": to_account_id,
                    "to_name": user.name or to_account_id,
                }
            ),
            subject=cabinet_id,
        )
        await uow.commit()
        return portfolio
