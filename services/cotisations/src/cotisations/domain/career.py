"""The relevé de carrière (docs/rules.md §5): per year with a definitive income, the
retraite de base assiette and contribution, and the quarters validated."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cotisations.domain.independant import (
    compute_independant,
    minimum_retraite,
    quarters_validated,
)
from cotisations.domain.rates import constants


@dataclass(frozen=True)
class CareerYear:
    year: int
    income: Decimal
    retraite_base_assiette: Decimal
    retraite_base_contribution: Decimal
    quarters: int


def career_year(year: int, activity: str, income: Decimal) -> CareerYear:
    assiette = max(Decimal(0), income, minimum_retraite(constants(year)))
    computation = compute_independant(year, activity, income)
    return CareerYear(
        year,
        income,
        assiette,
        computation.lines["retraite_base"],
        quarters_validated(year, income),
    )
