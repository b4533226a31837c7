"""An agency's slots: opening hours cut in pieces, minus holidays and closures, in UTC."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from appointments.domain.agencies import Agency, Closure, OpeningPeriod
from appointments.domain.calendar import PARIS, local_zone
from appointments.domain.slots import Slot, days_with_slots, slot_at, slots_between
from appointments_agencies import agency, week
from hypothesis import given, settings
from hypothesis import strategies as st


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def starts(a: Agency, day: date) -> list[str]:
    return [f"{s.starts_at:%H:%M}" for s in slots_between(a, day, day)]


PARIS_DAY = ["07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]  # winter, morning
WINTER = [*PARIS_DAY, "12:30", "13:00", "13:30", "14:00", "14:30", "15:00"]
SUMMER = [f"{int(t[:2]) - 1:02d}{t[2:]}" for t in WINTER]

VERSION_2 = week(morning=("09:00", "12:00"), afternoon=None)
CLOSED = (Closure(date(2026, 3, 9), date(2026, 3, 11), "Travaux"),)

CASES = [
    # (name, agency, local day, expected UTC start times)
    ("an ordinary winter Tuesday in Paris", agency("75"), date(2026, 3, 10), WINTER),
    ("14 juillet, national day", agency("75"), date(2026, 7, 14), []),
    ("1er mai, labour day", agency("75"), date(2026, 5, 1), []),
    ("Whit Monday, kept as the library lists it", agency("75"), date(2026, 5, 25), []),
    ("Good Friday in Strasbourg (67)", agency("67"), date(2026, 4, 3), []),
    ("Good Friday in Mulhouse (68)", agency("68"), date(2026, 4, 3), []),
    ("Good Friday in Metz (57)", agency("57"), date(2026, 4, 3), []),
    ("Good Friday in Paris is a working day", agency("75"), date(2026, 4, 3), SUMMER),
    ("26 December in Strasbourg", agency("67"), date(2025, 12, 26), []),
    ("26 December in Metz", agency("57"), date(2025, 12, 26), []),
    ("26 December in Paris is a working day", agency("75"), date(2025, 12, 26), WINTER),
    ("Saturday, no opening hours", agency("75"), date(2026, 3, 14), []),
    ("first day of a closure", agency("75", closures=CLOSED), date(2026, 3, 9), []),
    ("last day of a closure", agency("75", closures=CLOSED), date(2026, 3, 11), []),
    ("the day after a closure", agency("75", closures=CLOSED), date(2026, 3, 12), WINTER),
    ("opening hours of version 1", agency("75"), date(2026, 3, 10), WINTER),
    (
        "opening hours of version 2: mornings from 9h only",
        agency("75", hours=VERSION_2, version=2),
        date(2026, 3, 10),
        ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"],
    ),
    ("the Friday before summer time: 8h30 is 07:30Z", agency("75"), date(2026, 3, 27), WINTER),
    ("the Monday after summer time: 8h30 is 06:30Z", agency("75"), date(2026, 3, 30), SUMMER),
    ("the Friday before winter time: 8h30 is 06:30Z", agency("75"), date(2026, 10, 23), SUMMER),
    ("the Monday after winter time: 8h30 is 07:30Z", agency("75"), date(2026, 10, 26), WINTER),
    (
        "Pointe-à-Pitre keeps its own zone (UTC−4, no summer time)",
        agency("971", hours=week(morning=("07:30", "09:00"), afternoon=None)),
        date(2026, 7, 7),
        ["11:30", "12:00", "12:30"],
    ),
    (
        "Saint-Denis de La Réunion (UTC+4)",
        agency("974", hours=week(morning=("07:30", "09:00"), afternoon=None)),
        date(2026, 7, 7),
        ["03:30", "04:00", "04:30"],
    ),
    (
        "Guadeloupe's Mi-Carême, a holiday in the library",
        agency("971"),
        date(2026, 3, 12),
        [],
    ),
    (
        "Martinique has no Mi-Carême holiday",
        agency("972", hours=week(morning=("07:30", "08:30"), afternoon=None)),
        date(2026, 3, 12),
        ["11:30", "12:00"],
    ),
    (
        "a 45-minute slot never passes closes (9h00–11h00 gives two)",
        agency("75", hours=week(morning=("09:00", "11:00"), afternoon=None), slot_minutes=45),
        date(2026, 3, 10),
        ["08:00", "08:45"],
    ),
    (
        "spring change night: 02:00 and 02:30 do not exist, skipped",
        agency("75", hours=(OpeningPeriod(6, time(1, 0), time(4, 0)),)),
        date(2026, 3, 29),
        ["00:00", "00:30", "01:00", "01:30"],
    ),
    (
        "autumn change night: 02:00 and 02:30 exist twice, offered once (the first)",
        agency("75", hours=(OpeningPeriod(6, time(1, 0), time(4, 0)),)),
        date(2026, 10, 25),
        ["23:00", "23:30", "00:00", "00:30", "02:00", "02:30"],
    ),
]


@pytest.mark.parametrize(("name", "agency_", "day", "expected"), CASES, ids=[c[0] for c in CASES])
def test_slots_of_a_day(name: str, agency_: Agency, day: date, expected: list[str]) -> None:
    assert starts(agency_, day) == expected


def test_a_slot_is_slot_minutes_long_and_never_passes_closes() -> None:
    a = agency("75", hours=week(morning=("09:00", "11:00"), afternoon=None), slot_minutes=45)
    slots = list(slots_between(a, date(2026, 3, 9), date(2026, 3, 13)))
    assert len(slots) == 10
    for slot in slots:
        assert slot.ends_at - slot.starts_at == timedelta(minutes=45)
        assert slot.ends_at.astimezone(PARIS).time() <= time(11, 0)


def test_slots_span_days_in_order_in_utc_with_their_key() -> None:
    slots = list(slots_between(agency("75"), date(2026, 3, 27), date(2026, 3, 30)))
    assert len(slots) == 26  # Friday and Monday, 13 each; the week-end has none
    assert slots == sorted(slots)
    assert slots[0] == Slot(z("2026-03-27T07:30"), z("2026-03-27T08:00"), "agence-75")
    assert slots[13].starts_at == z("2026-03-30T06:30")
    assert slots[13].key == "agence-75@2026-03-30T06:30:00Z"
    assert all(s.starts_at.tzinfo is UTC for s in slots)


def test_the_autumn_night_slots_do_not_overlap() -> None:
    a = agency("75", hours=(OpeningPeriod(6, time(1, 0), time(4, 0)),))
    slots = list(slots_between(a, date(2026, 10, 25), date(2026, 10, 25)))
    assert all(x.ends_at <= y.starts_at for x, y in itertools.pairwise(slots))


def test_days_with_slots() -> None:
    days = list(days_with_slots(agency("67"), date(2026, 3, 30), date(2026, 4, 12)))
    # Good Friday (3 April) and Easter Monday (6 April) are holidays in Strasbourg.
    assert days == [
        date(2026, 3, 30),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 4, 2),
        date(2026, 4, 7),
        date(2026, 4, 8),
        date(2026, 4, 9),
        date(2026, 4, 10),
    ]


SLOT_AT = [
    ("a slot of the morning", "75", z("2026-03-10T07:30"), True),
    (
        "the same instant written in Paris time",
        "75",
        datetime.fromisoformat("2026-03-10T08:30+01:00"),
        True,
    ),
    ("between two slots", "75", z("2026-03-10T07:45"), False),
    ("the lunch break", "75", z("2026-03-10T11:00"), False),
    ("the last slot of the day ends at closes", "75", z("2026-03-10T15:00"), True),
    ("after the last slot", "75", z("2026-03-10T15:30"), False),
    ("Good Friday in Metz", "57", z("2026-04-03T06:30"), False),
    ("Good Friday in Paris", "75", z("2026-04-03T06:30"), True),
    ("a winter time on a summer day", "75", z("2026-03-30T07:30"), True),  # that is 9h30
    ("a Saturday", "75", z("2026-03-14T07:30"), False),
]


@pytest.mark.parametrize(("name", "dep", "instant", "found"), SLOT_AT, ids=[c[0] for c in SLOT_AT])
def test_slot_at(name: str, dep: str, instant: datetime, found: bool) -> None:
    slot = slot_at(agency(dep), instant)
    assert (slot is not None) is found
    if slot is not None:
        assert slot.starts_at == instant
        assert slot.ends_at == slot.starts_at + timedelta(minutes=30)


def test_slot_at_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        slot_at(agency(), datetime(2026, 3, 10, 8, 30))  # noqa: DTZ001


def test_a_slot_is_made_of_utc_instants() -> None:
    with pytest.raises(ValueError, match="UTC"):
        Slot(datetime.fromisoformat("2026-03-10T08:30+01:00"), z("2026-03-10T08:00"), "a")


DEPARTEMENTS = ["75", "57", "67", "2A", "971", "974", "976"]


@st.composite
def opening_hours(draw: st.DrawFn) -> tuple[OpeningPeriod, ...]:
    periods = []
    for weekday in range(7):
        minute = draw(st.integers(0, 6)) * 60  # may start in the night: change hours included
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(1, 8)) * 30
            if minute + length > 24 * 60 - 30:
                break
            periods.append(
                OpeningPeriod(
                    weekday, time(*divmod(minute, 60)), time(*divmod(minute + length, 60))
                )
            )
            minute += length + draw(st.integers(0, 4)) * 30
    return tuple(periods)


@settings(max_examples=60, deadline=None)
@given(
    hours=opening_hours(),
    departement=st.sampled_from(DEPARTEMENTS),
    first_day=st.dates(date(2025, 1, 1), date(2027, 12, 1)),
    length=st.integers(0, 40),
)
def test_slots_are_ordered_apart_and_inside_opening_hours(
    hours: tuple[OpeningPeriod, ...], departement: str, first_day: date, length: int
) -> None:
    a = agency(departement, hours=hours)
    zone = local_zone(departement)
    slots = list(slots_between(a, first_day, first_day + timedelta(days=length)))
    assert all(x.ends_at <= y.starts_at for x, y in itertools.pairwise(slots))
    for slot in slots:
        local = slot.starts_at.astimezone(zone)
        inside = [
            p for p in hours if p.weekday == local.weekday() and p.opens <= local.time() < p.closes
        ]
        assert inside, slot
        end = slot.ends_at.astimezone(zone)
        if end.utcoffset() == local.utcoffset():  # no clock change inside the slot
            assert end.time() <= inside[0].closes or end.time() == time(0), slot
        assert first_day <= local.date() <= first_day + timedelta(days=length)
        assert slot_at(a, slot.starts_at) == slot
