"""What cotisations' service layer needs from the outside."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from delegation import DelegatedAccess
from servicekit.uow import AbstractUnitOfWork

from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.ledger import Ledger
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan


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


class TelepaymentRepository(Protocol):
    """Telepayment mandates, telepayments and payment-delay plans."""

    async def direct_debit_in_force(self, affiliate_id: str, on: date) -> bool:
        """Whether a SEPA direct-debit mandate of the account is in force on ``on``."""
        ...

    async def active_mandate(self, affiliate_id: str) -> TelepaymentMandate | None: ...
    async def active_mandates_on(self, iban: str) -> list[TelepaymentMandate]:
        """The active mandates, of any account, that debit ``iban``."""
        ...

    async def add_mandate(self, m: TelepaymentMandate) -> None: ...
    async def save_mandate(self, m: TelepaymentMandate) -> None: ...
    async def payments(self, affiliate_id: str) -> list[Telepayment]: ...
    async def add_payment(self, p: Telepayment) -> None: ...
    async def save_payment(self, p: Telepayment) -> None: ...
    async def plans(self, affiliate_id: str) -> list[PaymentPlan]: ...
    async def add_plan(self, plan: PaymentPlan) -> None: ...
    async def save_plan(self, plan: PaymentPlan) -> None: ...


class CotisationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def access(self) -> DelegatedAccess: ...
    @property
    def ledgers(self) -> LedgerRepository: ...
    @property
    def telepayment(self) -> TelepaymentRepository: ...
