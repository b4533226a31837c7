"""What cotisations' service layer needs from the outside."""

from __future__ import annotations

from typing import Protocol

from delegation import DelegatedAccess
from servicekit.uow import AbstractUnitOfWork

from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.ledger import Ledger


class AccountRepository(Protocol):
    async def get(self, affiliate_id: str) -> ContributionAccount | None: ...
    async def add(self, account: ContributionAccount) -> None: ...
    async def save(self, account: ContributionAccount) -> None:
        """The account and what hangs from it (incomes, instalments, regularisations,
        declarations) as they now are."""
        ...


class LedgerRepository(Protocol):
    async def get(self, affiliate_id: str) -> Ledger:
        """The account's ledger (empty when nothing was posted yet)."""
        ...

    async def find_by_reference(self, external_reference: str) -> tuple[str, str] | None:
        """The (affiliate id, entry key) of the payment with this external reference."""
        ...

    async def save(self, ledger: Ledger) -> None:
        """The entries posted and the statuses moved since it was read."""
        ...


class CotisationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def access(self) -> DelegatedAccess: ...
    @property
    def ledgers(self) -> LedgerRepository: ...
