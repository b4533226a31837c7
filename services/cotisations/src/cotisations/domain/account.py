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
from cotisations.domain.schedule import Instalment, echeancier

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
    closed_on: date | None = None
    incomes: dict[int, Decimal] = field(default_factory=dict)

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
        total = self.provisional(year).total
        instalments = echeancier(year, total, self.periodicity, self.debit_day, self.departement)
        if self.closed_on is not None:
            instalments = [i for i in instalments if i.due_date <= self.closed_on]
        return instalments

    def close(self, on: date) -> None:
        self.closed_on = on
