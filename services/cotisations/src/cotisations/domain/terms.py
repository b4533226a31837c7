"""The payment terms of an account: monthly or quarterly, on the 5th or the 20th
(docs/rules.md §6.5, §6.6).

What falls due within the 30 days' notice is kept; the rest of the year's amount is spread
over the new due dates from the first one after the notice (the next year's first due date
when none is left this year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cotisations.domain.errors import ComputationInputInvalid, DebitDayLocked
from cotisations.domain.rules import CHANGE_NOTICE, DebitDayChange, periodicity_change_applies_from
from cotisations.domain.schedule import Instalment, due_dates, split


@dataclass(frozen=True)
class ScheduleChange:
    periodicity: str
    debit_day: int
    effective_from: date
    instalments: list[Instalment]


def check_periodicity(periodicity: str, current: str) -> None:
    if periodicity not in ("monthly", "quarterly"):
        raise ComputationInputInvalid("La périodicité est mensuelle ou trimestrielle.")
    if periodicity == current:
        raise ComputationInputInvalid("C'est déjà la périodicité de votre compte.")


def check_debit_day(day: int, periodicity: str, current: int) -> None:
    if periodicity != "monthly":
        raise ComputationInputInvalid(
            "Le jour de prélèvement ne concerne que le prélèvement mensuel."
        )
    if day not in (5, 20):
        raise ComputationInputInvalid("Le jour de prélèvement est le 5 ou le 20 du mois.")
    if day == current:
        raise ComputationInputInvalid(f"Vos échéances sont déjà prélevées le {day}.")


def check_debit_day_unlocked(last_change_on: date | None, today: date) -> None:
    """Once per calendar year: the next change from 1 January."""
    if not DebitDayChange(last_change_on).allows(today):
        raise DebitDayLocked(date(today.year + 1, 1, 1))


def reschedule(
    current: list[Instalment], periodicity: str, debit_day: int, departement: str, today: date
) -> ScheduleChange:
    """The current year's instalments ``current`` under the new terms asked on ``today``."""
    year = today.year
    new_dates = due_dates(year, periodicity, debit_day, departement)
    start = periodicity_change_applies_from(new_dates, today)
    if start is None:  # nothing left this year: from the next year's first due date
        start = due_dates(year + 1, periodicity, debit_day, departement)[0]
        return ScheduleChange(periodicity, debit_day, start, current)
    kept = [i for i in current if i.due_date < today + CHANGE_NOTICE]
    owed = sum((i.amount for i in current), Decimal(0)) - sum((i.amount for i in kept), Decimal(0))
    later = [d for d in new_dates if d >= start]
    amounts = split(max(Decimal(0), owed), len(later))
    return ScheduleChange(
        periodicity,
        debit_day,
        start,
        [*kept, *(Instalment(d, a) for d, a in zip(later, amounts, strict=True))],
    )
