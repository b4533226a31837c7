"""The contribution account of an affilié in a contributing category (SPEC.md 4.1).

Opened from the registry's events; radiation closes it (no instalment after the radiation
date). Its provisional contributions of a year come from the latest income known (an estimate,
or the year before), and from the minimum contributions while none is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.results import Computation
from cotisations.domain.rules import EstimateLock
from cotisations.domain.schedule import Instalment, Revision, echeancier, revise

CONTRIBUTING = {
    "artisan": ("independant", "artisan"),
    "commercant": ("independant", "commercant"),
    "micro_entrepreneur": ("micro", "services_bic"),
}


@dataclass
class ContributionAccount:
    affiliate_id: str
    category: str
    departement: str
    opened_on: date
    periodicity: str = "monthly"
    debit_day: int = 5
    payment_mode: str = "prelevement"
    holder_name: str = ""
    closed_on: date | None = None
    incomes: dict[int, Decimal] = field(default_factory=dict)
    last_estimate_on: date | None = None
    schedules: dict[int, list[Instalment]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return CONTRIBUTING[self.category][0]

    def provisional(self, year: int) -> Computation:
        """The year's contributions on the latest income known (minimum without one)."""
        known = [y for y in sorted(self.incomes) if y <= year]
        income = self.incomes[known[-1]] if known else Decimal(0)
        kind, activity = CONTRIBUTING[self.category]
        if kind == "micro":
            return compute_micro(year, activity, income)
        return compute_independant(year, activity, income)

    def schedule(self, year: int) -> list[Instalment]:
        """The year's instalments: as last revised, else computed from the latest income."""
        if year in self.schedules:
            instalments = self.schedules[year]
        else:
            total = self.provisional(year).total
            instalments = echeancier(
                year, total, self.periodicity, self.debit_day, self.departement
            )
        if self.closed_on is not None:
            instalments = [i for i in instalments if i.due_date <= self.closed_on]
        return instalments

    def close(self, on: date) -> None:
        self.closed_on = on

    def estimate(self, year: int, income: Decimal, today: date) -> Estimate:
        """What an income estimate changes: the contributions and the échéancier rectificatif
        from the first due date at least 15 days away. Refused during the month that follows
        the previous estimate."""
        lock = EstimateLock(self.last_estimate_on)
        if not lock.allows(today):
            raise EstimateLocked(lock.unlocks_on() or today)
        current = self.schedule(year)
        kind, activity = CONTRIBUTING[self.category]
        if kind == "micro":
            computation = compute_micro(year, activity, income)
        else:
            computation = compute_independant(year, activity, income)
        return Estimate(year, income, computation, revise(current, computation.total, today))

    def apply(self, estimate: Estimate, today: date) -> None:
        self.incomes[estimate.year] = estimate.income
        self.schedules[estimate.year] = estimate.revision.instalments
        self.last_estimate_on = today


@dataclass(frozen=True)
class Estimate:
    year: int
    income: Decimal
    computation: Computation
    revision: Revision


class EstimateLocked(Exception):
    def __init__(self, unlocks_on: date) -> None:
        super().__init__(
            f"Une estimation a déjà été faite ce mois-ci ; la prochaine est possible "
            f"à partir du {unlocks_on.isoformat()}."
        )
        self.unlocks_on = unlocks_on
