"""Late-payment surcharges (majorations de retard, docs/rules.md §9.3).

An amount not paid by its due date bears 5 % plus 0.2 % per month or part of a month elapsed
since the due date: paid one day late, 5.2 %; one month and a day late, 5.4 %. A month runs from
the due date to the same day of the next month, clamped to the month's end (31 January → 28 or
29 February → 31 March: always counted from the due date, never from the previous end). The
surcharge is computed in exact decimals and rounded half up to the cent. Paid on or before the
due date, nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cotisations.domain.rounding import cents
from cotisations.domain.rules import add_months

BASE_RATE = Decimal("0.05")
MONTHLY_RATE = Decimal("0.002")


def months_late(due_date: date, on: date) -> int:
    """Months or parts of a month elapsed from ``due_date`` to ``on`` (0 when not late)."""
    if on <= due_date:
        return 0
    months = (on.year - due_date.year) * 12 + on.month - due_date.month
    months = max(months - 1, 1)
    while add_months(due_date, months) < on:
        months += 1
    return months


def rate(due_date: date, on: date) -> Decimal:
    months = months_late(due_date, on)
    return Decimal(0) if months == 0 else BASE_RATE + MONTHLY_RATE * months


@dataclass(frozen=True)
class Surcharge:
    principal: Decimal
    due_date: date
    on: date
    months: int
    rate: Decimal
    amount: Decimal


def surcharge(principal: Decimal, due_date: date, on: date) -> Surcharge:
    """The surcharge of ``principal`` due on ``due_date`` and paid (or counted) on ``on``."""
    months = months_late(due_date, on)
    r = rate(due_date, on)
    return Surcharge(principal, due_date, on, months, r, cents(principal * r))
