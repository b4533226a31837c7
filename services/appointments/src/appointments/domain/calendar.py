"""Public holidays and time zones of French départements.

Holidays come from the ``holidays`` library (France and its subdivisions). What it returns is
kept as is, and the agencies are closed on every day it lists, notably:

- Whit Monday (« lundi de Pentecôte ») everywhere: the library lists it (it is the « journée
  de solidarité » many employers work, but agencies of the body close);
- Good Friday and 26 December in Moselle (57) and in Alsace (67, 68: subdivision ``6AE``);
- each overseas département's own days (abolition of slavery, Victor Schœlcher day,
  Mi-Carême and Good Friday in Guadeloupe…).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import holidays
import holidays.countries  # every country, loaded with this module, not by a first request

PARIS: Final = ZoneInfo("Europe/Paris")

_OVERSEAS: Final[dict[str, tuple[str, str]]] = {
    # département: (subdivision in the holidays library, IANA zone)
    "971": ("971", "America/Guadeloupe"),
    "972": ("972", "America/Martinique"),
    "973": ("973", "America/Cayenne"),
    "974": ("974", "Indian/Reunion"),
    "975": ("PM", "America/Miquelon"),
    "976": ("976", "Indian/Mayotte"),
    "977": ("BL", "America/St_Barthelemy"),
    "978": ("MF", "America/Marigot"),
}
_ALSACE_MOSELLE: Final[dict[str, str]] = {"57": "57", "67": "6AE", "68": "6AE"}
_METROPOLITAN: Final = frozenset([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"])


def is_known_departement(departement: str) -> bool:
    """A code of a metropolitan département ("01"…"95", "2A", "2B") or an overseas one
    ("971"…"978")."""
    return departement in _METROPOLITAN or departement in _OVERSEAS


def _check(departement: str) -> None:
    if not is_known_departement(departement):
        raise ValueError(f"Le département « {departement} » est inconnu.")


def _subdivision(departement: str) -> str | None:
    if departement in _OVERSEAS:
        return _OVERSEAS[departement][0]
    return _ALSACE_MOSELLE.get(departement)


@lru_cache(maxsize=4096)
def public_holidays(departement: str, year: int) -> frozenset[date]:
    """The public holidays of that département in that year (cached)."""
    _check(departement)
    calendar = holidays.country_holidays("FR", subdiv=_subdivision(departement), years=year)
    return frozenset(calendar.keys())


@lru_cache(maxsize=256)
def local_zone(departement: str) -> ZoneInfo:
    """The time zone agencies of that département keep their opening hours in."""
    _check(departement)
    if departement in _OVERSEAS:
        return ZoneInfo(_OVERSEAS[departement][1])
    return PARIS
