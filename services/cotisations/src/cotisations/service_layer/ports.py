"""What cotisations' service layer needs from the outside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from delegation import DelegatedAccess
from servicekit.uow import AbstractUnitOfWork

from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.direct_debit import Mandate, MandateChange
from cotisations.domain.payments.ledger import Entry, Ledger
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan


class AccountRepository(Protocol):
    async def get(self, affiliate_id: str) -> ContributionAccount | None: ...
    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, ContributionAccount]:
        """Several accounts, in few statements (a debit day: thousands)."""
        ...

    async def debited_between(
        self, first: str, last: str, day: date
    ) -> dict[str, ContributionAccount]:
        """The accounts whose ids run from ``first`` to ``last`` as the database orders them
        (a debit day's chunk of the ids it debits), at least those with a mandate in force on
        ``day``: one statement per table, without a list of ids."""
        ...

    async def ids_after(self, after: str | None, limit: int) -> list[str]: ...
    async def add(self, account: ContributionAccount) -> None: ...
    async def save(self, account: ContributionAccount) -> None:
        """The account and what hangs from it (incomes, instalments, regularisations,
        declarations) as they now are."""
        ...


class LedgerRepository(Protocol):
    async def get(self, affiliate_id: str) -> Ledger:
        """The account's ledger (empty when nothing was posted yet)."""
        ...

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, Ledger]:
        """The ledgers of several accounts (a debit day: thousands), in few statements."""
        ...

    async def save_many(self, ledgers: Sequence[Ledger]) -> None:
        """What several ledgers posted and moved, in few statements."""
        ...

    async def find_by_reference(self, external_reference: str) -> tuple[str, str] | None:
        """The (affiliate id, entry key) of the payment with this external reference."""
        ...

    async def debits_on(self, debit_date: date) -> list[tuple[str, Entry]]:
        """The (affiliate id, entry) of every debit of a debit day."""
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
    async def payment(self, payment_id: str) -> Telepayment | None: ...
    async def to_debit(self, on: date) -> list[Telepayment]:
        """The telepayments no debit file holds yet whose debit date is ``on`` or before."""
        ...

    async def sent_on(self, day: date) -> list[Telepayment]:
        """The telepayments whose parts are in the debit file of ``day``."""
        ...

    async def mandates(self, affiliate_id: str) -> list[TelepaymentMandate]:
        """Every telepayment mandate of the account, revoked ones included."""
        ...

    async def plans(self, affiliate_id: str) -> list[PaymentPlan]: ...
    async def running_plans(self) -> list[PaymentPlan]:
        """Every plan granted and not ended nor completed, of every account."""
        ...

    async def add_plan(self, plan: PaymentPlan) -> None: ...
    async def save_plan(self, plan: PaymentPlan) -> None: ...


class MandateRepository(Protocol):
    async def of_account(self, affiliate_id: str) -> list[Mandate]:
        """The account's SEPA mandates, oldest first."""
        ...

    async def in_force_on(self, day: date) -> list[Mandate]:
        """Every mandate that debits on ``day``."""
        ...

    async def save(self, change: MandateChange) -> None:
        """The mandate ended (its ``ends_on``) and the one started."""
        ...


@dataclass(frozen=True)
class DebitFile:
    debit_date: date
    message_id: str
    file_name: str
    transactions: int
    total: Decimal
    content: bytes
    created_at: datetime
    delivered_at: datetime | None = None


class DebitFileRepository(Protocol):
    async def get(self, debit_date: date) -> DebitFile | None: ...
    async def add(self, debit_file: DebitFile) -> None:
        """The debit day's row; a second one for the same day fails the transaction."""
        ...

    async def undelivered(self) -> list[DebitFile]: ...
    async def last_day(self) -> date | None:
        """The latest day a debit run covered (None before the first)."""
        ...

    async def mark_delivered(self, debit_date: date, at: datetime) -> None: ...


class PublishedStandings(Protocol):
    """The facts of the last standing published for each account."""

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, str]: ...
    async def unpublished_after(self, after: str | None, limit: int) -> list[str]: ...
    async def put_many(self, facts: Mapping[str, str]) -> None: ...


class CotisationsUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def access(self) -> DelegatedAccess: ...
    @property
    def ledgers(self) -> LedgerRepository: ...
    @property
    def telepayment(self) -> TelepaymentRepository: ...
    @property
    def mandates(self) -> MandateRepository: ...
    @property
    def debit_files(self) -> DebitFileRepository: ...
    @property
    def standings(self) -> PublishedStandings: ...


@dataclass(frozen=True)
class DebitLine:
    """One debit of a pain.008 file."""

    end_to_end_id: str
    rum: str
    mandate_signed_on: date
    holder: str
    iban: str
    bic: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class DebitBatch:
    message_id: str
    collection_date: date
    created_at: datetime
    lines: Sequence[DebitLine]


class DebitFileWriter(Protocol):
    """A SEPA Core pain.008 document of a batch (the creditor's identity is the writer's)."""

    def write(self, batch: DebitBatch) -> bytes: ...


class BankChannel(Protocol):
    """Where debit files go to the bank: a folder locally, the bank's transfer service in
    production. Idempotent by file name: a file handed over twice is the same file."""

    async def deliver(self, file_name: str, content: bytes) -> None: ...
