"""The free-slot search reads the places held window by window ahead of its merge: the same
answer as reading the whole range, without reading it when the page fills early."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from appointments.domain.slots import slots_between
from appointments.service_layer.search import free_slots
from appointments_agencies import agency

EARLIEST = datetime(2026, 12, 14, 7, 0, tzinfo=UTC)
"""Monday 14 December 2026, 8 h in Paris."""
LAST_DAY = date(2027, 3, 14)


class Holds:
    """Places held in memory; remembers the ranges the search asked for."""

    def __init__(self, held: dict[tuple[str, datetime], tuple[int, int | None]]) -> None:
        self.held = held
        self.asked: list[tuple[datetime, datetime]] = []

    async def in_range(
        self, agency_ids: Sequence[str], first: datetime, last: datetime
    ) -> dict[tuple[str, datetime], tuple[int, int | None]]:
        self.asked.append((first, last))
        return {k: v for k, v in self.held.items() if k[0] in agency_ids and first <= k[1] <= last}


def full_until(day: date) -> dict[tuple[str, datetime], tuple[int, int | None]]:
    """Every place of the Paris agency taken before ``day`` (holidays of Christmas included)."""
    a = agency()
    return {
        (a.agency_id, s.starts_at): (a.default_capacity, None)
        for s in slots_between(a, EARLIEST.date(), day - timedelta(days=1))
    }


async def test_a_page_found_in_the_first_week_reads_only_that_week() -> None:
    holds = Holds({})
    found = await free_slots(holds, [agency()], earliest=EARLIEST, last_day=LAST_DAY, limit=20)
    assert len(found) == 20
    ((first, last),) = holds.asked
    assert first == EARLIEST
    assert last == found[0].slot.starts_at + timedelta(days=7)  # a week past the first slot


@pytest.mark.parametrize("free_from", [date(2026, 12, 22), date(2027, 1, 4), date(2027, 2, 1)])
async def test_full_weeks_make_it_read_further_and_answer_as_a_whole_read(free_from: date) -> None:
    windowed = Holds(full_until(free_from))
    found = await free_slots(windowed, [agency()], earliest=EARLIEST, last_day=LAST_DAY, limit=5)
    assert [f.slot.starts_at.date() for f in found] == [free_from] * 5
    assert all(f.places_left == 2 for f in found)
    # the windows follow each other without a gap, from the earliest instant on
    assert windowed.asked[0][0] == EARLIEST
    for (_, end), (begin, _) in zip(windowed.asked, windowed.asked[1:], strict=False):
        assert begin == end
    assert len(windowed.asked) <= 5  # a week, then doubling


async def test_a_cursor_starts_the_windows_at_the_cursor() -> None:
    a = agency()
    first = await free_slots(Holds({}), [a], earliest=EARLIEST, last_day=LAST_DAY, limit=3)
    after = (first[-1].slot.starts_at, a.agency_id)
    holds = Holds({})
    more = await free_slots(holds, [a], earliest=EARLIEST, last_day=LAST_DAY, limit=3, after=after)
    assert more[0].slot.starts_at > first[-1].slot.starts_at
    assert holds.asked[0][0] == first[-1].slot.starts_at


async def test_nothing_free_reads_to_the_end_of_the_range() -> None:
    holds = Holds(full_until(LAST_DAY + timedelta(days=1)))
    assert await free_slots(holds, [agency()], earliest=EARLIEST, last_day=LAST_DAY, limit=5) == []
    assert holds.asked[-1][1] == datetime(2027, 3, 16, tzinfo=UTC)
