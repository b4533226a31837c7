"""An agency's slots of a day as an agent manages them, and its closures.

appointments lists only the **free** slots (``GET /v1/slots``: places left, from its notice
on), never a slot's capacity nor its places taken (those come back only in the answer to
``PUT …/capacity``). So that a full slot, or one too near to be booked, can still have its
capacity changed, the day's slots are cut here from the agency's record (its opening hours
of that weekday, every ``slot_minutes``), at the agency's clock, and each is matched with the
free slot appointments gives for it, if any. A public holiday is not known here: its slots
show as offering no place, and appointments answers 404 for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from portal.domain.appointments import slot_day, slot_time
from portal.domain.wording import french_date

_TYPED_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_CAPACITY = re.compile(r"^\s*(\d{1,3})\s*$")
MAX_CAPACITY = 100
"""The highest capacity appointments takes for a slot."""
MAX_LABEL = 300
"""The longest label of a closure appointments takes."""


def typed_day(typed: str) -> date | None:
    """A day as typed (« 12/01/2027 ») or as a date field sends it (« 2027-01-12 »)."""
    match = _TYPED_DAY.match(typed)
    try:
        if match:
            d, m, y = (int(g) for g in match.groups())
            return date(y, m, d)
        return date.fromisoformat(typed.strip())
    except ValueError:
        return None


def typed_capacity(typed: str) -> int | None:
    """A capacity as typed: a whole number of places from 0 to 100; None otherwise."""
    match = _CAPACITY.match(typed)
    if not match or int(match.group(1)) > MAX_CAPACITY:
        return None
    return int(match.group(1))


def places(n: int) -> str:
    """« 0 place », « 1 place », « 6 places »."""
    return f"{n} place" + ("s" if n > 1 else "")


@dataclass(frozen=True)
class DaySlot:
    starts_at: str
    """ISO 8601 with the agency's offset (``2027-01-12T09:30:00+01:00``): what ``PUT
    …/slots/{starts_at}/capacity`` takes."""
    key: str
    """``0930``: the slot's fields are named after it."""
    time: str
    until: str
    places_left: int | None
    """None: appointments offers no place there (full, too near, a public holiday)."""


def _wall_clock(value: str) -> time:
    return time.fromisoformat(value)


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def day_slots(
    agency: dict[str, Any], day: date, zone: tzinfo, free: list[dict[str, Any]]
) -> list[DaySlot]:
    """The agency's slots of ``day`` from its opening hours, in order, each with the places
    left of ``free`` (appointments' free slots) at the same instant."""
    minutes = int(agency.get("slot_minutes") or 0)
    if minutes <= 0:
        return []
    left = {
        datetime.fromisoformat(f["starts_at"]): int(f.get("places_left", 0))
        for f in free
        if f.get("starts_at")
    }
    periods = sorted(
        (p for p in agency.get("opening_hours") or [] if p.get("weekday") == day.weekday()),
        key=lambda p: str(p.get("opens")),
    )
    found: list[DaySlot] = []
    for period in periods:
        start = _local(day, _wall_clock(period["opens"]), zone)
        end = _local(day, _wall_clock(period["closes"]), zone)
        step = timedelta(minutes=minutes)
        while start + step <= end:
            until = start + step
            found.append(
                DaySlot(
                    starts_at=start.isoformat(),
                    key=f"{start:%H%M}",
                    time=slot_time(start),
                    until=slot_time(until),
                    places_left=left.get(start),
                )
            )
            start = until
    return found


def closure_on(agency: dict[str, Any], day: date) -> dict[str, Any] | None:
    """The agency's closure covering ``day``, if one does."""
    for closure in agency.get("closures") or []:
        first = date.fromisoformat(str(closure["first_day"]))
        last = date.fromisoformat(str(closure["last_day"]))
        if first <= day <= last:
            return dict(closure)
    return None


def day_words(day: date) -> str:
    """« mardi 12 janvier 2027 »."""
    return slot_day(datetime.combine(day, time(12)))


@dataclass(frozen=True)
class ClosureForm:
    first_day: date | None
    last_day: date | None
    label: str
    errors: dict[str, str]


def closure_form(first: str, last: str, label: str, *, today: date) -> ClosureForm:
    """The closure as typed, checked before the confirmation page: both days, the last one
    not before the first, none past, a label appointments takes."""
    errors: dict[str, str] = {}
    first_day = typed_day(first) if first.strip() else None
    last_day = typed_day(last) if last.strip() else None
    if not first.strip():
        errors["premier_jour"] = "Indiquez le premier jour de fermeture."
    elif first_day is None:
        errors["premier_jour"] = "Saisissez une date valide, par exemple 12/01/2027."
    elif first_day < today:
        errors["premier_jour"] = (
            "Ce jour est passé : une fermeture commence aujourd'hui au plus tôt."
        )
    if not last.strip():
        errors["dernier_jour"] = "Indiquez le dernier jour de fermeture."
    elif last_day is None:
        errors["dernier_jour"] = "Saisissez une date valide, par exemple 12/01/2027."
    elif first_day is not None and last_day < first_day:
        errors["dernier_jour"] = "Le dernier jour ne peut pas précéder le premier."
    if len(label.strip()) > MAX_LABEL:
        errors["libelle"] = f"Le libellé fait au plus {MAX_LABEL} caractères."
    return ClosureForm(first_day, last_day, label.strip(), errors)


def cancelled_words(agency_name: str, first: date, last: date, cancelled: int) -> str:
    """What the agent reads once the agency is closed: the period and the appointments
    cancelled (notifications mails each person from appointments' event)."""
    period = (
        f"le {french_date(first)}"
        if first == last
        else f"du {french_date(first)} au {french_date(last)}"
    )
    said = f"L'{agency_name} est fermée {period}. "
    if cancelled == 0:
        return said + "Aucun rendez-vous n'était pris sur cette période."
    counted = (
        "1 rendez-vous est annulé" if cancelled == 1 else f"{cancelled} rendez-vous sont annulés"
    )
    return (
        said + f"{counted} : chaque personne va en être avertie par courriel, avec les prochains "
        "créneaux libres de l'agence."
    )
