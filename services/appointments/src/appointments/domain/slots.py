"""The slots an agency offers: its opening hours cut in ``slot_minutes`` pieces, day by day,
minus public holidays and closures.

Opening hours are wall-clock times in the agency's zone (:func:`~.calendar.local_zone`); a
slot's instants are in UTC. The rule on the days the clocks change:

- a period offers the wall-clock starts ``opens + k × slot_minutes`` of its local day for
  which ``start + slot_minutes ≤ closes`` (counted on the wall clock); a slot lasts
  ``slot_minutes`` of elapsed time from its start;
- a wall-clock start that does not exist that day (the hour skipped in spring) is skipped;
- a wall-clock start that exists twice (the hour repeated in autumn) is offered once, at its
  first occurrence (``fold=0``).

Agencies open in the daytime, so in practice only the offset of the day changes (8h30 in Paris
is 07:30Z in winter and 06:30Z in summer); the rule is written for any hours all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from appointments.domain.agencies import Agency, OpeningPeriod
from appointments.domain.calendar import local_zone, public_holidays

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """One slot of one agency; ``starts_at`` and ``ends_at`` are aware datetimes in UTC."""

    starts_at: datetime
    ends_at: datetime
    agency_id: str

    def __post_init__(self) -> None:
        utc = self.starts_at.tzinfo is UTC and self.ends_at.tzinfo is UTC  # the usual case
        if not utc and (self.starts_at.utcoffset() != _ZERO or self.ends_at.utcoffset() != _ZERO):
            raise ValueError("A slot's instants are aware datetimes in UTC.")
        if self.ends_at <= self.starts_at:
            raise ValueError("A slot ends after it starts.")

    @property
    def key(self) -> str:
        """``agency@2026-03-10T08:30:00Z``: the slot's stable name (idempotency, locks)."""
        return f"{self.agency_id}@{self.starts_at:%Y-%m-%dT%H:%M:%S}Z"


def _utc(day: date, moment: time, zone: ZoneInfo) -> datetime | None:
    """The first UTC instant showing that wall-clock time that day, None if none does."""
    local = datetime.combine(day, moment, tzinfo=zone)
    instant = local.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.date(), back.time()) != (day, moment):
        return None  # skipped by the spring change
    return instant


def _period_slots(
    agency_id: str, day: date, period: OpeningPeriod, step: timedelta, zone: ZoneInfo
) -> Iterator[Slot]:
    opens = datetime.combine(day, period.opens)
    closes = datetime.combine(day, period.closes)
    count = int((closes - opens) / step)
    first = _utc(day, period.opens, zone)
    last = _utc(day, (opens + (count - 1) * step).time(), zone) if count else None
    if first is not None and last is not None and last - first == (count - 1) * step:
        # The usual case: one offset the whole period, so slots follow in elapsed time.
        for k in range(count):
            starts = first + k * step
            yield Slot(starts, starts + step, agency_id)
        return
    for k in range(count):
        starts_or_none = _utc(day, (opens + k * step).time(), zone)
        if starts_or_none is not None:
            yield Slot(starts_or_none, starts_or_none + step, agency_id)


def _days(first_day: date, last_day: date) -> Iterator[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += timedelta(days=1)


def _open_days(agency: Agency, first_day: date, last_day: date) -> Iterator[date]:
    """The days the agency has opening hours, no public holiday and no closure."""
    weekdays = {period.weekday for period in agency.opening_hours}
    for day in _days(first_day, last_day):
        if day.weekday() not in weekdays:
            continue
        if day in public_holidays(agency.departement, day.year) or agency.is_closed_on(day):
            continue
        yield day


def slots_between(agency: Agency, first_day: date, last_day: date) -> Iterator[Slot]:
    """Every slot of the agency from ``first_day`` to ``last_day`` (local days), in order."""
    zone = local_zone(agency.departement)
    step = timedelta(minutes=agency.slot_minutes)
    by_weekday: dict[int, list[OpeningPeriod]] = {}
    for period in sorted(agency.opening_hours, key=lambda p: (p.weekday, p.opens)):
        by_weekday.setdefault(period.weekday, []).append(period)
    for day in _open_days(agency, first_day, last_day):
        for period in by_weekday[day.weekday()]:
            yield from _period_slots(agency.agency_id, day, period, step, zone)


def days_with_slots(agency: Agency, first_day: date, last_day: date) -> Iterator[date]:
    """The local days from ``first_day`` to ``last_day`` on which the agency has a slot."""
    zone = local_zone(agency.departement)
    step = timedelta(minutes=agency.slot_minutes)
    for day in _open_days(agency, first_day, last_day):
        periods = [p for p in agency.opening_hours if p.weekday == day.weekday()]
        if any(next(_period_slots("", day, p, step, zone), None) for p in periods):
            yield day


def slot_at(agency: Agency, starts_at: datetime) -> Slot | None:
    """The agency's slot starting exactly at that instant, None if it has none."""
    if starts_at.utcoffset() is None:
        raise ValueError("starts_at must be an aware datetime.")
    instant = starts_at.astimezone(UTC)
    day = instant.astimezone(local_zone(agency.departement)).date()
    for slot in slots_between(agency, day, day):
        if slot.starts_at == instant:
            return slot
    return None
