"""Public holidays and zones by département, as the ``holidays`` library gives them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from appointments.domain.calendar import (
    PARIS,
    is_known_departement,
    local_zone,
    public_holidays,
)

GOOD_FRIDAY_2026 = date(2026, 4, 3)
SAINT_STEPHEN_2026 = date(2026, 12, 26)
WHIT_MONDAY_2026 = date(2026, 5, 25)

HOLIDAYS = [
    # (département, day, is a holiday)
    ("75", date(2026, 7, 14), True),
    ("75", date(2026, 5, 1), True),
    ("75", WHIT_MONDAY_2026, True),
    ("75", GOOD_FRIDAY_2026, False),
    ("75", SAINT_STEPHEN_2026, False),
    ("57", GOOD_FRIDAY_2026, True),
    ("57", SAINT_STEPHEN_2026, True),
    ("67", GOOD_FRIDAY_2026, True),
    ("67", SAINT_STEPHEN_2026, True),
    ("68", GOOD_FRIDAY_2026, True),
    ("54", GOOD_FRIDAY_2026, False),  # Meurthe-et-Moselle is not Moselle
    ("2A", date(2026, 8, 15), True),
    ("971", date(2026, 5, 27), True),  # abolition of slavery in Guadeloupe
    ("972", date(2026, 5, 22), True),  # … in Martinique
    ("973", date(2026, 6, 10), True),  # … in Guyane
    ("974", date(2026, 12, 20), True),  # … in La Réunion
    ("976", date(2026, 4, 27), True),  # … in Mayotte
    ("75", date(2026, 5, 27), False),
]


@pytest.mark.parametrize(("departement", "day", "holiday"), HOLIDAYS)
def test_public_holidays(departement: str, day: date, holiday: bool) -> None:
    assert (day in public_holidays(departement, day.year)) is holiday


def test_metropolitan_france_has_eleven_public_holidays_alsace_moselle_thirteen() -> None:
    assert len(public_holidays("75", 2026)) == 11
    assert public_holidays("67", 2026) - public_holidays("75", 2026) == {
        GOOD_FRIDAY_2026,
        SAINT_STEPHEN_2026,
    }
    assert public_holidays("57", 2026) == public_holidays("67", 2026)


ZONES = [
    ("75", "Europe/Paris"),
    ("2B", "Europe/Paris"),
    ("67", "Europe/Paris"),
    ("971", "America/Guadeloupe"),
    ("972", "America/Martinique"),
    ("973", "America/Cayenne"),
    ("974", "Indian/Reunion"),
    ("976", "Indian/Mayotte"),
    ("975", "America/Miquelon"),
    ("977", "America/St_Barthelemy"),
    ("978", "America/Marigot"),
]


@pytest.mark.parametrize(("departement", "zone"), ZONES)
def test_local_zone(departement: str, zone: str) -> None:
    assert local_zone(departement) == ZoneInfo(zone)


def test_paris() -> None:
    assert ZoneInfo("Europe/Paris") == PARIS


@pytest.mark.parametrize("departement", ["20", "00", "96", "2C", "979", "", "75 "])
def test_unknown_departements_are_refused(departement: str) -> None:
    assert not is_known_departement(departement)
    with pytest.raises(ValueError, match="inconnu"):
        public_holidays(departement, 2026)
    with pytest.raises(ValueError, match="inconnu"):
        local_zone(departement)
