"""What cotisations' service layer needs from the outside."""

from __future__ import annotations

from typing import Protocol

from delegation import DelegatedAccess
from servicekit.uow import AbstractUnitOfWork

from cotisations.domain.account import ContributionAccount


class AccountRepository(Protocol):
    async def get(self, affiliate_id: str) -> ContributionAccount | None: ...
    async def add(self, account: ContributionAccount) -> None: ...
    async def save(self, account: ContributionAccount) -> None:
        """The account and what hangs from it (incomes, instalments, regularisations,
        declarations) as they now are."""
        ...


class CotisationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def access(self) -> DelegatedAccess: ...
