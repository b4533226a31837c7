"""Who, in a firm, sees and acts on what (SPEC.md 2.4 and 3.4), and who is told."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.common import Recipient
from delegation.rule import acts_in_firm
from servicekit.auth import Principal, Right

from mandates.domain import errors
from mandates.domain.directory import concerned
from mandates.domain.model import Mandate
from mandates.domain.portfolios import Portfolio
from mandates.service_layer.ports import MandatesUnitOfWork


@dataclass(frozen=True)
class FirmScope:
    """A firm user acting in their firm: administrators see every portfolio, a collaborator
    only the portfolios they subscribe to (``portfolio_ids``)."""

    cabinet_id: str
    account_id: str
    is_admin: bool
    rights: frozenset[Right]
    portfolio_ids: frozenset[str] | None

    def require(self, right: Right) -> None:
        if not self.is_admin and right not in self.rights:
            raise errors.RightMissing(right)

    def require_admin(self) -> None:
        if not self.is_admin:
            raise errors.AdministratorRequired

    def sees_portfolio(self, portfolio_id: str) -> bool:
        return self.portfolio_ids is None or portfolio_id in self.portfolio_ids

    def sees(self, mandate: Mandate) -> bool:
        return mandate.cabinet_id == self.cabinet_id and self.sees_portfolio(mandate.portfolio_id)


async def firm_scope(uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str) -> FirmScope:
    """The caller's scope in ``cabinet_id``; another firm's space is "not found", and so is
    its own for a user the firm suspended or removed (the delegation rule, applied to
    mandates' copy of the firm's users)."""
    user = await uow.directory.user(principal.subject)
    if not acts_in_firm(principal, cabinet_id, user_live=user is None or user.active):
        raise errors.CabinetNotFound
    is_admin = principal.has_right("admin")
    portfolio_ids = None
    if not is_admin:
        portfolio_ids = frozenset(await uow.portfolios.subscribed_by(principal.subject))
    return FirmScope(cabinet_id, principal.subject, is_admin, principal.rights, portfolio_ids)


async def visible_mandate(uow: MandatesUnitOfWork, scope: FirmScope, mandate_id: str) -> Mandate:
    mandate = await uow.mandates.get(mandate_id)
    if mandate is None or not scope.sees(mandate):
        raise errors.ClientNotFound
    return mandate


async def visible_portfolio(
    uow: MandatesUnitOfWork, scope: FirmScope, portfolio_id: str
) -> Portfolio:
    portfolio = await uow.portfolios.get(scope.cabinet_id, portfolio_id)
    if portfolio is None or not scope.sees_portfolio(portfolio_id):
        raise errors.PortfolioNotFound
    return portfolio


async def recipients(
    uow: MandatesUnitOfWork,
    cabinet_id: str,
    portfolio_id: str | None,
    *,
    exclude: str | None = None,
    admins: bool = True,
) -> list[Recipient]:
    """The firm's users concerned by a client or a portfolio: its administrators (when
    ``admins``) and the portfolio's subscribers, active, with a known e-mail; never ``exclude``
    (the user who acted)."""
    subscribers = set(await uow.portfolios.subscribers(portfolio_id)) if portfolio_id else set()
    users = await uow.directory.users_of(cabinet_id)
    return [
        Recipient(email=user.email or "", display_name=user.name or user.email or "")
        for user in concerned(users, subscribers, exclude=exclude, admins=admins)
    ]
