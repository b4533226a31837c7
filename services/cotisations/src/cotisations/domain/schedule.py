"""The échéancier: a year's provisional contributions split into instalments.

Monthly on the 5th or the 20th (12, January to December) or quarterly (5 February, 5 May,
5 August, 5 November). A due date on a weekend or a public holiday of the affilié's
département moves to the next working day. Cents are distributed so the instalments sum
exactly to the amount: every instalment gets the same whole cents, the first ones one cent
more until the remainder is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from cotisations.domain.calendar import next_working_day
from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.rules import rectifiable

QUARTERLY_DUE = ((2, 5), (5, 5), (8, 5), (11, 5))
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Instalment:
    due_date: date
    amount: Decimal


def due_dates(year: int, periodicity: str, debit_day: int, departement: str) -> list[date]:
    return list(_due_dates(year, periodicity, debit_day, departement))


@lru_cache(maxsize=4096)
def _due_dates(year: int, periodicity: str, debit_day: int, departement: str) -> tuple[date, ...]:
    """The due dates of a year on these terms (kept: a debit day asks them of every account)."""
    if periodicity == "monthly":
        if debit_day not in (5, 20):
            raise ComputationInputInvalid("Le jour de prélèvement est le 5 ou le 20 du mois.")
        nominal = [date(year, month, debit_day) for month in range(1, 13)]
    elif periodicity == "quarterly":
        nominal = [date(year, month, day) for month, day in QUARTERLY_DUE]
    else:
        raise ComputationInputInvalid("La périodicité est mensuelle ou trimestrielle.")
    return tuple(next_working_day(d, departement) for d in nominal)


def split(amount: Decimal, parts: int) -> list[Decimal]:
    """``parts`` amounts in cents, summing exactly to ``amount`` (which may be negative)."""
    if parts <= 0:
        return []
    total_cents = int((amount / CENT).to_integral_value())
    if Decimal(total_cents) * CENT != amount:
        raise ComputationInputInvalid("Le montant à répartir doit être en centimes.")
    sign = -1 if total_cents < 0 else 1
    base, remainder = divmod(abs(total_cents), parts)
    more, less = sign * Decimal(base + 1) * CENT, sign * Decimal(base) * CENT
    return [more] * remainder + [less] * (parts - remainder)


def echeancier(
    year: int, amount: Decimal, periodicity: str, debit_day: int, departement: str
) -> list[Instalment]:
    return list(_echeancier(year, amount, periodicity, debit_day, departement))


@lru_cache(maxsize=65536)
def _echeancier(
    year: int, amount: Decimal, periodicity: str, debit_day: int, departement: str
) -> tuple[Instalment, ...]:
    dates = _due_dates(year, periodicity, debit_day, departement)
    return tuple(Instalment(d, a) for d, a in zip(dates, split(amount, len(dates)), strict=True))


@dataclass(frozen=True)
class Revision:
    effective_from: date
    kept: list[Instalment]
    remaining: list[Instalment]
    credit: Decimal

    @property
    def instalments(self) -> list[Instalment]:
        return [*self.kept, *self.remaining]


def revise(current: list[Instalment], new_amount: Decimal, requested_on: date) -> Revision:
    """The échéancier rectificatif after an estimate: instalments due at least 15 days after
    the request are replaced so that kept + remaining == the new annual amount exactly; what
    the kept instalments already exceed it by is a credit."""
    later = [i for i in current if rectifiable(i.due_date, requested_on)]
    if not later:
        raise ComputationInputInvalid("Aucune échéance de l'année ne reste à rectifier.")
    kept = [i for i in current if i not in later]
    due = new_amount - sum((i.amount for i in kept), Decimal(0))
    credit = max(Decimal(0), -due)
    amounts = split(max(Decimal(0), due), len(later))
    remaining = [Instalment(i.due_date, a) for i, a in zip(later, amounts, strict=True)]
    return Revision(later[0].due_date, kept, remaining, credit)
