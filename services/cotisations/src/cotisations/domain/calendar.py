"""Working days of an affilié's département: weekends and French public holidays, with
Alsace-Moselle's own (Good Friday, 26 December) and the overseas départements' (holidays)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import holidays.countries  # every country, loaded with this module, not by a first request

_SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972",
                 "973": "973", "974": "974", "976": "976"}  # fmt: skip


@lru_cache(maxsize=512)
def public_holidays(year: int, departement: str) -> frozenset[date]:
    subdiv = _SUBDIVISIONS.get(departement)
    calendar = holidays.country_holidays("FR", subdiv=subdiv, years=year)
    return frozenset(calendar)


def is_working_day(day: date, departement: str) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, departement)


def next_working_day(day: date, departement: str) -> date:
    """The day itself when it is worked, else the next working day."""
    while not is_working_day(day, departement):
        day += timedelta(days=1)
    return day
