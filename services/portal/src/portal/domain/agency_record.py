"""An agency's record as an agent changes it: the address, the accessibility, the channels,
the opening hours and the default capacity (the fields changed most). The rest of the record
(name, region, département, slot length, closures) is sent back as appointments gave it:
``PUT /v1/agencies/{id}`` takes the whole record, as its reference file writes it.

appointments checks the record and refuses it with one French sentence naming the field
(« Agence « agence-x », champ « opening_hours[3] » : … »): :func:`fault_at` puts that
sentence at the input it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.domain.appointments import CHANNELS, WEEKDAYS

PERIODS_SHOWN = 2
"""Opening periods offered per weekday (a morning and an afternoon), more if the record has."""
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:h]\s*(\d{2})\s*$")
_NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")
_FAULT = re.compile(r"champ « ([^»]+?) » : (.+)$", re.S)
_PERIOD = re.compile(r"^opening_hours\[(\d+)\]$")
_FIELDS = {
    "address": "adresse",
    "accessibility": "accessibilite",
    "channels": "canaux",
    "default_capacity": "capacite",
}
"""The record's fields appointments names, and the form's inputs for them."""


@dataclass(frozen=True)
class Period:
    weekday: int
    index: int
    opens: str = ""
    closes: str = ""

    @property
    def opens_id(self) -> str:
        return f"horaire-{self.weekday}-{self.index}-ouverture"

    @property
    def closes_id(self) -> str:
        return f"horaire-{self.weekday}-{self.index}-fermeture"


@dataclass(frozen=True)
class DayHours:
    weekday: int
    periods: list[Period]

    @property
    def name(self) -> str:
        return WEEKDAYS[self.weekday]


def hours_of(agency: dict[str, Any]) -> list[DayHours]:
    """The opening hours by weekday, each with at least :data:`PERIODS_SHOWN` periods (the
    empty ones to fill in)."""
    days: list[DayHours] = []
    for weekday in range(7):
        known = sorted(
            (p for p in agency.get("opening_hours") or [] if p.get("weekday") == weekday),
            key=lambda p: str(p.get("opens")),
        )
        periods = [
            Period(weekday, i + 1, str(p.get("opens", "")), str(p.get("closes", "")))
            for i, p in enumerate(known)
        ]
        periods += [Period(weekday, i + 1) for i in range(len(periods), PERIODS_SHOWN)]
        days.append(DayHours(weekday, periods))
    return days


def typed_time(typed: str) -> str | None:
    """« 8:30 », « 08:30 », « 8h30 » → ``08:30``; None when it is not a time of day."""
    match = _TIME.match(typed)
    if not match:
        return None
    hour, minute = (int(g) for g in match.groups())
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


@dataclass
class RecordForm:
    record: dict[str, Any]
    """The whole record to send (valid only when ``errors`` is empty)."""
    typed: dict[str, Any]
    hours: list[DayHours]
    errors: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    """The input of each opening period sent, in the order of ``record["opening_hours"]``."""


def record_form(
    agency: dict[str, Any], value: Callable[[str], str], channels: Sequence[str]
) -> RecordForm:
    """The record as the form changes it: ``value(name)`` reads a field, ``channels`` are the
    boxes ticked."""
    errors: dict[str, str] = {}
    address = value("adresse").strip()
    if not address:
        errors["adresse"] = "Indiquez l'adresse de l'agence."
    capacity_typed = value("capacite")
    capacity = _NUMBER.match(capacity_typed)
    if not capacity:
        errors["capacite"] = "Saisissez un nombre entier de places, 0 ou plus."
    hours: list[DayHours] = []
    opening: list[dict[str, Any]] = []
    sent: list[str] = []
    for day in hours_of(agency):
        periods: list[Period] = []
        for shown in day.periods:
            period = Period(day.weekday, shown.index, value(shown.opens_id), value(shown.closes_id))
            periods.append(period)
            opens, closes = period.opens.strip(), period.closes.strip()
            if not opens and not closes:
                continue
            for given, at, what in ((opens, period.opens_id, "d'ouverture"),
                                    (closes, period.closes_id, "de fermeture")):  # fmt: skip
                if not given:
                    errors[at] = f"Indiquez l'heure {what} de cette période."
                elif typed_time(given) is None:
                    errors[at] = "Saisissez une heure, par exemple 08:30."
            if period.opens_id in errors or period.closes_id in errors:
                continue
            opening.append(
                {"weekday": day.weekday, "opens": typed_time(opens), "closes": typed_time(closes)}
            )
            sent.append(period.opens_id)
        hours.append(DayHours(day.weekday, periods))
    chosen = [c for c in CHANNELS if c in channels]
    record = {k: v for k, v in agency.items() if k != "version"}
    record.update(
        address=address,
        accessibility=value("accessibilite").strip(),
        channels=chosen,
        opening_hours=opening,
        default_capacity=int(capacity.group(1)) if capacity else 0,
    )
    typed = {
        "adresse": value("adresse"),
        "accessibilite": value("accessibilite"),
        "capacite": capacity_typed,
        "canaux": chosen,
    }
    return RecordForm(record, typed, hours, errors, sent)


def typed_of(agency: dict[str, Any]) -> dict[str, Any]:
    """The form's values from the record as it stands."""
    return {
        "adresse": agency.get("address", ""),
        "accessibilite": agency.get("accessibility", ""),
        "capacite": str(agency.get("default_capacity", "")),
        "canaux": list(agency.get("channels") or []),
    }


def fault_at(message: str, sent: Sequence[str]) -> tuple[str | None, str]:
    """appointments' refusal of a record: the input it is about (None: none of the form's)
    and what to show there (the sentence after the field's name, or the whole message)."""
    found = _FAULT.search(message)
    if not found:
        return None, message
    name, said = found.groups()
    said = said.strip()
    said = said[:1].upper() + said[1:]
    period = _PERIOD.match(name)
    if period:
        index = int(period.group(1))
        return (sent[index], said) if index < len(sent) else (None, message)
    if name in _FIELDS:
        return _FIELDS[name], said
    return None, message


def hour_words(value: str) -> str:
    """``08:30`` → « 8 h 30 »."""
    typed = typed_time(value)
    if typed is None:
        return value
    hour, minute = typed.split(":")
    return f"{int(hour)} h {minute}"
