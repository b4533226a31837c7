"""SEPA Core direct-debit mandates (« Adhérer au prélèvement automatique »).

One mandate is in force on an account at a time, identified by its RUM (référence unique du
mandat). Adhering, changing the account to debit and revoking each take effect from the first
due date at least ``NOTICE_WORKING_DAYS`` working days after the request: a debit closer than
that may already be in the file the bank has, so it stays with the mandate that was in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from cotisations.domain.calendar import is_working_day
from cotisations.domain.payments.errors import NoDirectDebit, NoDueDateAhead

NOTICE_WORKING_DAYS = 5
"""Working days between a request and the first debit it changes."""


def add_working_days(day: date, count: int, departement: str) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, departement):
            count -= 1
    return day


def first_due_date_after_notice(
    due_dates: Iterable[date], requested_on: date, departement: str
) -> date:
    """The first due date at least the notice away from ``requested_on``."""
    limit = add_working_days(requested_on, NOTICE_WORKING_DAYS, departement)
    ahead = sorted(d for d in due_dates if d >= limit)
    if not ahead:
        raise NoDueDateAhead(limit)
    return ahead[0]


def mask_iban(iban: str) -> str:
    """``FR76 **** **** **** **** ***6 789``: country, check digits and the last four."""
    compact = iban.replace(" ", "")
    masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def rum_for(affiliate_id: str, sequence: int) -> str:
    """The RUM of an account's ``sequence``-th mandate: unique, at most 35 characters of the
    SEPA set (letters, digits, ``-``)."""
    clean = "".join(c for c in affiliate_id.upper() if c.isascii() and c.isalnum())[:24]
    return f"RUM-{clean}-{sequence:03d}"


@dataclass(frozen=True, slots=True)
class BankAccount:
    """An account to debit, already checked (IBAN key and French RIB key, BIC of its bank)."""

    holder: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class Mandate:
    rum: str
    affiliate_id: str
    account: BankAccount
    signed_on: date
    creditor_id: str
    effective_from: date
    """The first due date it debits."""
    sequence: int
    ends_on: date | None = None
    """From this due date on it no longer debits (a change or a revocation)."""

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.ends_on is None or day < self.ends_on)

    @property
    def current(self) -> bool:
        """Not yet ended: the mandate a change or revocation acts on."""
        return self.ends_on is None


@dataclass(frozen=True, slots=True)
class MandateChange:
    """What a request decides: the mandate that ends (from ``effective_from``) and the one
    that starts (none on a revocation)."""

    effective_from: date
    ended: Mandate | None
    started: Mandate | None


def current_mandate(mandates: Iterable[Mandate]) -> Mandate | None:
    return next((m for m in mandates if m.current), None)


def in_force(mandates: Iterable[Mandate], day: date) -> Mandate | None:
    return next((m for m in mandates if m.in_force_on(day)), None)


def sign(
    affiliate_id: str,
    mandates: list[Mandate],
    account: BankAccount,
    creditor_id: str,
    signed_on: date,
    effective_from: date,
) -> MandateChange:
    """A first mandate, or a new account to debit in place of the current one."""
    previous = current_mandate(mandates)
    sequence = max((m.sequence for m in mandates), default=0) + 1
    started = Mandate(
        rum_for(affiliate_id, sequence),
        affiliate_id,
        account,
        signed_on,
        creditor_id,
        effective_from,
        sequence,
    )
    ended = None
    if previous is not None:
        # a mandate not yet in force when replaced never debits
        ended = replace(previous, ends_on=max(effective_from, previous.effective_from))
    return MandateChange(effective_from, ended, started)


def revoke(mandates: list[Mandate], effective_from: date) -> MandateChange:
    previous = current_mandate(mandates)
    if previous is None:
        raise NoDirectDebit
    ended = replace(previous, ends_on=max(effective_from, previous.effective_from))
    return MandateChange(effective_from, ended, None)
