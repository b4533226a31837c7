"""Regularisation (docs/rules.md §6.7): when the definitive income of a past year is declared,
that year is recomputed; the balance against what its instalments called is spread over the
remaining instalments of the current year, or refunded when it is a credit.

With no instalment of the current year left to carry it, a balance owed is a debt due on the
first working day at least 30 days after the declaration.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from cotisations.domain.calendar import next_working_day
from cotisations.domain.errors import ComputationInputInvalid, IncomeAlreadyDeclared
from cotisations.domain.results import Computation
from cotisations.domain.schedule import Instalment, revise, split

Outcome = Literal["spread", "refund", "debt", "settled"]
DEBT_DELAY = timedelta(days=30)
SPREAD_NOTICE_DAYS = 15


@dataclass(frozen=True)
class Regularisation:
    year: int
    declared_on: date
    income: Decimal
    definitive_total: Decimal
    called_total: Decimal
    outcome: Outcome
    due_date: date | None = None  # the debt's due date, or the first instalment carrying it

    @property
    def balance(self) -> Decimal:
        """What the affilié still owes for the year (negative: what is refunded)."""
        return self.definitive_total - self.called_total


@dataclass(frozen=True)
class Carried:
    """A regularisation and the current year's instalments that carry it."""

    regularisation: Regularisation
    instalments: list[Instalment]
    changed_from: date | None


def check_declarable(year: int, opened_on: date, declared: Collection[int], today: date) -> None:
    """A definitive income is declared once, for a finished year the account was open."""
    if year >= today.year:
        raise ComputationInputInvalid(
            f"Le revenu définitif {year} se déclare une fois l'année terminée, "
            f"à partir de {year + 1}."
        )
    if year < opened_on.year:
        raise ComputationInputInvalid(
            f"Le compte n'était pas ouvert en {year} : aucune cotisation à régulariser."
        )
    if year in declared:
        raise IncomeAlreadyDeclared(year)


def adjusted(current: list[Instalment], amount: Decimal, today: date) -> list[Instalment]:
    """The current year's instalments recomputed to ``amount`` from the first due date at
    least 15 days away (unchanged when none is left)."""
    try:
        return revise(current, amount, today).instalments
    except ComputationInputInvalid:
        return current


def regularise(
    year: int,
    income: Decimal,
    definitive: Computation,
    called: list[Instalment],
    current: list[Instalment],
    today: date,
    departement: str,
) -> Carried:
    """The regularisation of ``year`` and the current year's instalments after it."""
    called_total = sum((i.amount for i in called), Decimal(0))
    balance = definitive.total - called_total

    def done(outcome: Outcome, due: date | None = None) -> Regularisation:
        return Regularisation(
            year, today, income, definitive.total, called_total, outcome, due_date=due
        )

    if balance == 0:
        return Carried(done("settled"), current, None)
    if balance < 0:
        return Carried(done("refund"), current, None)
    later = [i for i in current if (i.due_date - today).days >= SPREAD_NOTICE_DAYS]
    if not later:
        due = next_working_day(today + DEBT_DELAY, departement)
        return Carried(done("debt", due), current, None)
    extra = iter(split(balance, len(later)))
    instalments = [
        Instalment(i.due_date, i.amount + next(extra)) if i in later else i for i in current
    ]
    return Carried(done("spread", later[0].due_date), instalments, later[0].due_date)
