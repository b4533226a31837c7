"""The free slots: derived from the agencies' opening hours (``domain.slots``) and the places
held, merged in time order across agencies, stopping at the page's size. The places held are
read window by window ahead of the merge (a week, then doubling), so a page found in the first
days never reads the whole range."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from appointments.domain.agencies import Agency
from appointments.domain.calendar import local_zone
from appointments.domain.slots import Slot, slots_between
from appointments.service_layer.ports import HoldsPort

FIRST_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class FreeSlot:
    slot: Slot
    agency: Agency
    places_left: int


def capacity_of(agency: Agency, override: int | None) -> int:
    return agency.default_capacity if override is None else override


async def free_slots(
    holds: HoldsPort,
    agencies: Sequence[Agency],
    *,
    earliest: datetime,
    last_day: date,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[FreeSlot]:
    """Up to ``limit`` free slots from ``earliest`` (and after the cursor ``after``) to
    ``last_day`` included (each agency's local day), in time order then agency."""
    if not agencies or limit <= 0:
        return []
    start = earliest if after is None else max(earliest, after[0])
    first_day = min(start.astimezone(local_zone(a.departement)).date() for a in agencies)
    if first_day > last_day:
        return []
    until = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), earliest.tzinfo)
    ids = [a.agency_id for a in agencies]
    by_id = {a.agency_id: a for a in agencies}
    held: dict[tuple[str, datetime], tuple[int, int | None]] = {}
    read_until, window = start, FIRST_WINDOW

    def stream(agency: Agency) -> Iterator[tuple[datetime, str, Slot]]:
        for slot in slots_between(agency, first_day, last_day):
            yield slot.starts_at, agency.agency_id, slot

    found: list[FreeSlot] = []
    for starts_at, agency_id, slot in heapq.merge(*(stream(a) for a in agencies)):
        if starts_at < start or (after is not None and (starts_at, agency_id) <= after):
            continue
        if starts_at >= read_until:  # the next window of places held (bounds included)
            ahead = min(max(read_until, starts_at) + window, until)
            held.update(await holds.in_range(ids, read_until, ahead))
            read_until, window = ahead, window * 2
        agency = by_id[agency_id]
        taken, override = held.get((agency_id, starts_at), (0, None))
        left = capacity_of(agency, override) - taken
        if left > 0:
            found.append(FreeSlot(slot, agency, left))
            if len(found) >= limit:
                break
    return found
