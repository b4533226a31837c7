"""Agencies, their opening hours and closures, and the reasons of a visit: the reference data
the service loads from its versioned file (``appointments/reference/agencies.json``).

:func:`parse_reference` checks the whole document and refuses it at the first fault with a
French message naming the agency (or region, or reason) and the field, so whoever edits the
file reads what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Final, Literal, cast, get_args

from appointments.domain.calendar import is_known_departement

Channel = Literal["agence", "telephone", "visio"]
"""How the appointment takes place: at the agency, by phone, by video."""

CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)
FILE_VERSION: Final = 1
"""The version of the reference file's format this module reads."""

WEEKDAYS_FR: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class ReferenceError(ValueError):
    """The reference document is not valid (message in French).

    Named so on purpose; it shadows the builtin (weak references) in this module only."""


@dataclass(frozen=True, slots=True)
class OpeningPeriod:
    """One opening period of one weekday (0 = Monday), local wall-clock times."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Closure:
    """The agency closed from ``first_day`` to ``last_day`` included."""

    first_day: date
    last_day: date
    label: str = ""

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class Agency:
    agency_id: str
    region: str
    name: str
    address: str
    departement: str
    accessibility: str
    channels: tuple[Channel, ...]
    opening_hours: tuple[OpeningPeriod, ...]
    closures: tuple[Closure, ...]
    slot_minutes: int
    default_capacity: int
    version: int = 1

    def is_closed_on(self, day: date) -> bool:
        """Whether one of the agency's closures covers that day (public holidays aside)."""
        return any(closure.covers(day) for closure in self.closures)


@dataclass(frozen=True, slots=True)
class VisitReason:
    code: str
    object_label: str
    reason_label: str
    channels: tuple[Channel, ...]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReferenceData:
    regions: tuple[Region, ...]
    agencies: tuple[Agency, ...]
    reasons: tuple[VisitReason, ...]

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.agency_id == agency_id), None)

    def reason(self, code: str) -> VisitReason | None:
        return next((r for r in self.reasons if r.code == code), None)

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)


# --- parsing -------------------------------------------------------------------------------


class _Where:
    """Who a fault is about (« Agence « agence-paris » »), for the messages."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, field: str, message: str) -> ReferenceError:
        return ReferenceError(f"{self.label}, champ « {field} » : {message}")


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ReferenceError(f"{what} : un objet est attendu.")
    return cast(Mapping[str, Any], value)


def _list(where: _Where, data: Mapping[str, Any], field: str) -> Sequence[Any]:
    value = data.get(field)
    if not isinstance(value, list | tuple):
        raise where.fail(field, "une liste est attendue.")
    return cast(Sequence[Any], value)


def _only(where: _Where, data: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise where.fail(unknown[0], "ce champ est inconnu.")
    missing = sorted(required - set(data))
    if missing:
        raise where.fail(missing[0], "ce champ est obligatoire.")


def _text(where: _Where, data: Mapping[str, Any], field: str, *, empty: bool = False) -> str:
    value = data.get(field, "" if empty else None)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise where.fail(field, "un texte non vide est attendu.")
    return value


def _integer(where: _Where, data: Mapping[str, Any], field: str, default: int | None) -> int:
    value = data.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.fail(field, "un nombre entier est attendu.")
    return value


def _time(where: _Where, field: str, value: object) -> time:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise where.fail(field, f"l'heure « {value} » n'est pas au format HH:MM.")


def _date(where: _Where, field: str, value: object) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise where.fail(field, f"la date « {value} » n'est pas au format AAAA-MM-JJ.")


def _channels(where: _Where, data: Mapping[str, Any]) -> tuple[Channel, ...]:
    values = _list(where, data, "channels")
    if not values:
        raise where.fail("channels", "au moins un canal est attendu.")
    for value in values:
        if value not in CHANNELS:
            known = ", ".join(CHANNELS)
            raise where.fail("channels", f"le canal « {value} » est inconnu (attendus : {known}).")
    if len(set(values)) != len(values):
        raise where.fail("channels", "un canal figure deux fois.")
    return tuple(cast(Channel, value) for value in values)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _periods(
    where: _Where, data: Mapping[str, Any], slot_minutes: int
) -> tuple[OpeningPeriod, ...]:
    periods: list[OpeningPeriod] = []
    for index, raw in enumerate(_list(where, data, "opening_hours")):
        field = f"opening_hours[{index}]"
        item = _mapping(raw, f"{where.label}, champ « {field} »")
        _only(where, item, {"weekday", "opens", "closes"}, {"weekday", "opens", "closes"})
        weekday = item["weekday"]
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise where.fail(field, f"le jour « {weekday} » n'est pas entre 0 (lundi) et 6.")
        opens = _time(where, field, item["opens"])
        closes = _time(where, field, item["closes"])
        day = WEEKDAYS_FR[weekday]
        span = f"le {day} de {opens:%H:%M} à {closes:%H:%M}"
        if closes <= opens:
            raise where.fail(field, f"{span}, la fermeture doit suivre l'ouverture.")
        if (_minutes(closes) - _minutes(opens)) % slot_minutes:
            raise where.fail(
                field, f"{span}, la durée n'est pas un multiple de {slot_minutes} minutes."
            )
        for other in periods:
            if other.weekday == weekday and opens < other.closes and other.opens < closes:
                raise where.fail(
                    field,
                    f"{span} chevauche la période de {other.opens:%H:%M} à {other.closes:%H:%M}.",
                )
        periods.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))
    periods.sort(key=lambda p: (p.weekday, p.opens))
    return tuple(periods)


def _closures(where: _Where, data: Mapping[str, Any]) -> tuple[Closure, ...]:
    closures: list[Closure] = []
    raws = _list(where, data, "closures") if "closures" in data else ()
    for index, raw in enumerate(raws):
        field = f"closures[{index}]"
        item = _mapping(raw, f"{where.label}, champ « {field} »")
        _only(where, item, {"first_day", "last_day", "label"}, {"first_day", "last_day"})
        first_day = _date(where, field, item["first_day"])
        last_day = _date(where, field, item["last_day"])
        if last_day < first_day:
            raise where.fail(
                field, f"la fermeture finit ({last_day}) avant de commencer ({first_day})."
            )
        closures.append(Closure(first_day, last_day, _text(where, item, "label", empty=True)))
    return tuple(sorted(closures, key=lambda c: c.first_day))


_AGENCY_FIELDS: Final = {
    "agency_id", "region", "name", "address", "departement", "accessibility", "channels",
    "opening_hours", "closures", "slot_minutes", "default_capacity", "version",
}  # fmt: skip
_AGENCY_REQUIRED: Final = _AGENCY_FIELDS - {"accessibility", "closures", "version"}


def _agency(raw: object, index: int, regions: set[str]) -> Agency:
    data = _mapping(raw, f"Agence n° {index + 1}")
    agency_id = data.get("agency_id")
    if not isinstance(agency_id, str) or not agency_id.strip():
        raise ReferenceError(f"Agence n° {index + 1}, champ « agency_id » : identifiant absent.")
    where = _Where(f"Agence « {agency_id} »")
    _only(where, data, _AGENCY_FIELDS, _AGENCY_REQUIRED)
    region = _text(where, data, "region")
    if region not in regions:
        raise where.fail("region", f"la région « {region} » est inconnue.")
    departement = _text(where, data, "departement")
    if not is_known_departement(departement):
        raise where.fail("departement", f"le département « {departement} » est inconnu.")
    slot_minutes = _integer(where, data, "slot_minutes", None)
    if not 5 <= slot_minutes <= 240:
        raise where.fail("slot_minutes", "la durée d'un créneau va de 5 à 240 minutes.")
    capacity = _integer(where, data, "default_capacity", None)
    if capacity < 0:
        raise where.fail("default_capacity", "la capacité ne peut pas être négative.")
    version = _integer(where, data, "version", 1)
    if version < 1:
        raise where.fail("version", "la version commence à 1.")
    return Agency(
        agency_id=agency_id,
        region=region,
        name=_text(where, data, "name"),
        address=_text(where, data, "address"),
        departement=departement,
        accessibility=_text(where, data, "accessibility", empty=True),
        channels=_channels(where, data),
        opening_hours=_periods(where, data, slot_minutes),
        closures=_closures(where, data),
        slot_minutes=slot_minutes,
        default_capacity=capacity,
        version=version,
    )


def _region(raw: object, index: int) -> Region:
    data = _mapping(raw, f"Région n° {index + 1}")
    where = _Where(f"Région n° {index + 1}")
    _only(where, data, {"code", "name"}, {"code", "name"})
    return Region(code=_text(where, data, "code"), name=_text(where, data, "name"))


def _reason(raw: object, index: int) -> VisitReason:
    data = _mapping(raw, f"Motif n° {index + 1}")
    code = data.get("code")
    where = _Where(f"Motif « {code} »" if isinstance(code, str) else f"Motif n° {index + 1}")
    fields = {"code", "object_label", "reason_label", "channels"}
    _only(where, data, fields, fields)
    return VisitReason(
        code=_text(where, data, "code"),
        object_label=_text(where, data, "object_label"),
        reason_label=_text(where, data, "reason_label"),
        channels=_channels(where, data),
    )


def _unique(kind: str, codes: Sequence[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ReferenceError(f"{kind} « {code} » : cet identifiant figure deux fois.")
        seen.add(code)


def parse_reference(document: Mapping[str, Any]) -> ReferenceData:
    """The reference data of a versioned document, or :class:`ReferenceError`."""
    top = _Where("Fichier de référence")
    document = _mapping(document, "Fichier de référence")
    fields = {"version", "regions", "agencies", "reasons"}
    _only(top, document, fields, fields)
    version = document["version"]
    if version != FILE_VERSION or isinstance(version, bool):
        raise top.fail("version", f"la version « {version} » n'est pas lue (attendue : 1).")
    regions = tuple(_region(raw, i) for i, raw in enumerate(_list(top, document, "regions")))
    _unique("Région", [r.code for r in regions])
    region_codes = {r.code for r in regions}
    agencies = tuple(
        _agency(raw, i, region_codes) for i, raw in enumerate(_list(top, document, "agencies"))
    )
    _unique("Agence", [a.agency_id for a in agencies])
    reasons = tuple(_reason(raw, i) for i, raw in enumerate(_list(top, document, "reasons")))
    _unique("Motif", [r.code for r in reasons])
    return ReferenceData(regions=regions, agencies=agencies, reasons=reasons)
