"""Business rules of the account as named objects (docs/rules.md §6.4 to §6.6)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 January + 1 → 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


ESTIMATE_NOTICE = timedelta(days=15)


def rectifiable(due_date: date, requested_on: date) -> bool:
    """An estimate rectifies the instalments due at least 15 days after the request."""
    return due_date - requested_on >= ESTIMATE_NOTICE


def next_year_estimable_from(last_due_date: date) -> date:
    """The first day the year's last instalment is no longer rectifiable (it falls within the
    15 days' notice): from that day on, an income estimate is of the next year."""
    return last_due_date - ESTIMATE_NOTICE + timedelta(days=1)


@dataclass(frozen=True)
class EstimateLock:
    """After each income estimate the function is blocked for one month on that account."""

    last_estimate_on: date | None

    def unlocks_on(self) -> date | None:
        return None if self.last_estimate_on is None else add_months(self.last_estimate_on, 1)

    def allows(self, today: date) -> bool:
        unlock = self.unlocks_on()
        return unlock is None or today >= unlock


CHANGE_NOTICE = timedelta(days=30)


def periodicity_change_applies_from(due_dates: list[date], requested_on: date) -> date | None:
    """A change of periodicity applies from the first due date at least 30 days away."""
    return next((d for d in sorted(due_dates) if d >= requested_on + CHANGE_NOTICE), None)


@dataclass(frozen=True)
class DebitDayChange:
    """The debit day (5 or 20) can change once per calendar year."""

    last_change_on: date | None

    def allows(self, today: date) -> bool:
        return self.last_change_on is None or self.last_change_on.year < today.year
