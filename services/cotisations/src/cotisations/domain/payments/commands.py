"""What a caller asks of an account's payments (each names the caller, as ``commands.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from cotisations.domain.commands import Command
from cotisations.domain.payments.direct_debit import BankAccount

if TYPE_CHECKING:
    from servicekit.auth import Principal


@dataclass(frozen=True)
class ReadPayments(Command):
    """The payment history, newest first, one page."""

    principal: Principal
    affiliate_id: str
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class ReadStanding(Command):
    """Each obligation's state (paid, pending, rejected, due, overdue), from the ledger."""

    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class RecordPayment(Command):
    """A cheque or a transfer received, recorded by an agent (back office)."""

    principal: Principal
    affiliate_id: str
    mode: str
    amount: Decimal
    value_date: date
    external_reference: str
    pays: str | None = None
    """The obligation it pays (``instalment:2026-03-05``, ``debt:…``); on account if None."""


@dataclass(frozen=True)
class RecordOpeningBalance(Command):
    """The balance carried from the former books, posted once by an agent."""

    principal: Principal
    affiliate_id: str
    amount: Decimal
    """Positive owed, negative in credit."""
    due_date: date
    external_reference: str


@dataclass(frozen=True)
class ReadDirectDebit(Command):
    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class SignDirectDebit(Command):
    """Adhere to automatic debit (POST), or change the account to debit (PUT)."""

    principal: Principal
    affiliate_id: str
    account: BankAccount
    signed_on: date
    changing: bool = False


@dataclass(frozen=True)
class RevokeDirectDebit(Command):
    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class RunDebitDay(Command):
    """The debit day's file: every instalment due ``debit_date`` of the accounts on direct
    debit (the business date when None)."""

    debit_date: date | None = None


@dataclass(frozen=True)
class RunDueDebitDays(Command):
    """The worker's tick: the business date's debit day, and before it every day since the
    last run that no run covered (a worker stopped over a debit day), oldest first."""


@dataclass(frozen=True)
class DeliverDebitFiles(Command):
    """Hand the files not yet delivered to the bank channel."""


@dataclass(frozen=True)
class PublishBankReturns(Command):
    """Development: the bank's return file of a debit day, on the returns topic: the debits
    named in ``rejected`` (end-to-end id → SEPA reason code) rejected, every other settled."""

    debit_date: date
    rejected: dict[str, str]
    returned_on: date | None = None
