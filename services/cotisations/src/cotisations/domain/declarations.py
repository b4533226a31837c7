"""A micro-entrepreneur's turnover declarations (docs/rules.md §6.8, §4).

A monthly declarant declares each month, a quarterly one each quarter. What is owed is the
period's turnover times the rates of the activity (the cotisations and the chamber tax rounded
to the euro, the CFP to the cent), due at the declaration deadline: the last day of the month
after the period, moved to the next working day of the département.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from servicekit.french import day

from cotisations.domain.calendar import next_working_day
from cotisations.domain.errors import ComputationInputInvalid, PeriodAlreadyDeclared
from cotisations.domain.micro import micro_rate
from cotisations.domain.rates import CFP_MICRO, TFC_MICRO, YEARS, constants, known_years
from cotisations.domain.rounding import cents, euro

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"([0-9]{4})-T([1-4])")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Period:
    """``2026-03`` (a month) or ``2026-T1`` (a quarter, « trimestre »)."""

    code: str
    year: int
    first_month: int
    months: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        month = self.first_month + self.months - 1
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def deadline(self) -> date:
        """The last day of the month after the period."""
        end = self.last_day
        year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
        return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(code: str, periodicity: str) -> Period:
    """``code`` as the account's periodicity writes a period (ASCII digits only: the period's
    code is its identity), of a year the rules cover."""
    month, quarter = _MONTH.fullmatch(code), _QUARTER.fullmatch(code)
    if periodicity == "monthly":
        if month is None:
            raise ComputationInputInvalid(
                "Vous déclarez chaque mois : la période s'écrit AAAA-MM (ex. 2026-03).",
                field="period",
            )
        period = Period(code, int(month[1]), int(month[2]), 1)
    elif quarter is None:
        raise ComputationInputInvalid(
            "Vous déclarez chaque trimestre : la période s'écrit AAAA-TN (ex. 2026-T1).",
            field="period",
        )
    else:
        period = Period(code, int(quarter[1]), 3 * int(quarter[2]) - 2, 3)
    if period.year not in YEARS:
        raise ComputationInputInvalid(
            f"L'année {period.year} n'est pas couverte : les années connues sont {known_years()}.",
            field="period",
        )
    return period


@dataclass(frozen=True)
class PeriodDeclaration:
    period: str
    turnover: Decimal
    lines: dict[str, Decimal]
    due_date: date
    declared_on: date

    @property
    def amount(self) -> Decimal:
        return sum(self.lines.values(), Decimal(0))


def check_declarable(period: Period, declared: Iterable[str], closed_on: date | None) -> None:
    """A period is declared once, and not after the account closed."""
    if any(code == period.code for code in declared):
        raise PeriodAlreadyDeclared(period.code)
    if closed_on is not None and period.first_day > closed_on:
        raise ComputationInputInvalid(
            f"Le compte est fermé depuis le {day(closed_on)} : la période {period.code} "
            "commence après.",
            field="period",
        )


def declare_turnover(
    period: Period,
    turnover: Decimal,
    activity: str,
    nature: str,
    departement: str,
    today: date,
    *,
    acre: bool = False,
) -> PeriodDeclaration:
    """What the declaration of ``turnover`` for ``period`` owes, and when."""
    if period.last_day >= today:
        raise ComputationInputInvalid(
            f"La période {period.code} n'est pas terminée : déclarez-la à partir du "
            f"{day(period.last_day + timedelta(days=1))}.",
            field="period",
        )
    c = constants(period.year)
    ca = euro(max(Decimal(0), turnover))
    cfp_rate, tfc_rate = CFP_MICRO[(activity, nature)], TFC_MICRO[(activity, nature)]
    lines = {
        "cotisations_sociales": euro(ca * micro_rate(c, activity, acre) / HUNDRED),
        "formation_professionnelle": cents(ca * cfp_rate / HUNDRED),
        "taxe_frais_chambre": euro(ca * tfc_rate / HUNDRED),
    }
    due = next_working_day(period.deadline(), departement)
    return PeriodDeclaration(period.code, ca, lines, due, today)


def _any_period(code: str) -> Period | None:
    """A declared period's months, whichever periodicity it was declared under."""
    for periodicity in ("monthly", "quarterly"):
        try:
            return parse_period(code, periodicity)
        except ComputationInputInvalid:
            continue
    return None


def _months(period: Period) -> set[tuple[int, int]]:
    return {(period.year, period.first_month + i) for i in range(period.months)}


def missing_periods(
    periodicity: str,
    declared: Iterable[str],
    *,
    opened_on: date,
    closed_on: date | None,
    since: date,
    today: date,
    departement: str,
) -> list[str]:
    """The periods whose declaration is due and not received, oldest first: each period of
    the account's periodicity from the one the account opened in, whose deadline (moved to the
    next working day) is past today and on or after ``since`` (the ledger's taking over: what
    fell due before was the former books'), up to the one it closed in. A period is declared
    when each of its months is, under either periodicity (a change of periodicity in the year
    leaves nothing missing twice)."""
    covered: set[tuple[int, int]] = set()
    for code in declared:
        period = _any_period(code)
        if period is not None:
            covered |= _months(period)
    step = 1 if periodicity == "monthly" else 3
    # a period's deadline is at most two months after it starts: one that started before the
    # year before ``since`` fell due before it
    start = max(opened_on, date(since.year - 1, 1, 1))
    year, month = start.year, start.month - (start.month - 1) % step
    missing: list[str] = []
    while date(year, month, 1) <= today:
        code = f"{year}-{month:02d}" if step == 1 else f"{year}-T{(month + 2) // 3}"
        month += step
        if month > 12:
            year, month = year + 1, month - 12
        if int(code[:4]) not in YEARS:  # a year the rules do not cover: nothing to declare
            continue
        period = parse_period(code, periodicity)
        if closed_on is not None and period.first_day > closed_on:
            break
        due = next_working_day(period.deadline(), departement)
        if due >= today:
            break
        if due >= since and not _months(period) <= covered:
            missing.append(code)
    return missing
