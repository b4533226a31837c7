"""A clock stopped on the business date a development setting chooses
(``COTISATIONS_BUSINESS_DATE``): the account rules see that day, at 09:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


class BusinessDateClock:
    def __init__(self, business_date: date) -> None:
        self._now = datetime.combine(business_date, time(9), tzinfo=UTC)

    def now(self) -> datetime:
        return self._now
