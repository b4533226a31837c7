"""What people read of appointments: the channels and states in words, the slots' days and
times as the agency's clock shows them, the history of an appointment.

appointments answers every time in the agency's zone with its offset (``…T09:30:00+01:00``):
a slot is written at that wall-clock time, never converted to Paris time (an agency of La
Réunion opens at 7 h 30 there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from servicekit import french

CHANNELS = {
    "agence": "À l'agence",
    "telephone": "Par téléphone",
    "visio": "En visioconférence",
}
CHANNELS_IN_A_SENTENCE = {
    "agence": "à l'agence",
    "telephone": "par téléphone",
    "visio": "en visioconférence",
}
STATES = {
    "requested": "Demandé, à confirmer",
    "confirmed": "Confirmé",
    "cancelled": "Annulé",
    "done": "Honoré",
    "no_show": "Personne absente",
}
STATE_FILTERS = {
    "": "Tous les rendez-vous",
    "requested": "À confirmer",
    "confirmed": "Confirmés",
    "cancelled": "Annulés",
    "done": "Honorés",
    "no_show": "Personne absente",
}
CHANGES = {
    "requested": "Demande de rendez-vous",
    "confirmed": "Confirmé",
    "rescheduled": "Déplacé",
    "cancelled": "Annulé",
    "done": "Honoré",
    "no_show": "Personne absente",
}
CANCELLED_BY = {
    "person": "par la personne",
    "agent": "par un agent",
    "closure": "par la fermeture de l'agence",
}
OUTCOMES = {"done": "La personne est venue (honoré)", "no_show": "La personne n'est pas venue"}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_PARIS = ZoneInfo("Europe/Paris")


def _instant(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def slot_day(value: str | datetime) -> str:
    """``2027-01-12T09:30:00+01:00`` → « mardi 12 janvier 2027 » (the agency's own day)."""
    moment = _instant(value)
    return f"{WEEKDAYS[moment.weekday()]} {french.day(moment.date())}"


def slot_time(value: str | datetime) -> str:
    """« 9 h 30 », at the agency's clock."""
    moment = _instant(value)
    return f"{moment.hour} h {moment.minute:02d}"


def slot_when(value: str | datetime) -> str:
    """« mardi 12 janvier 2027 à 9 h 30 »."""
    return f"{slot_day(value)} à {slot_time(value)}"


def zone_of(sample: str | datetime) -> tzinfo:
    """The zone of an agency, read from one of its times: metropolitan France's offsets are
    Paris (its summer time included); the overseas agencies keep one offset all year."""
    offset = _instant(sample).utcoffset() or timedelta(0)
    if offset in (timedelta(hours=1), timedelta(hours=2)):
        return _PARIS
    return timezone(offset)


def at_the_agency(value: str | datetime, zone: tzinfo) -> str:
    """An instant (a change of the history) at the agency's clock: « 12 janvier 2027 à 9 h 30 »."""
    local = _instant(value).astimezone(zone)
    return f"{french.day(local.date())} à {local.hour} h {local.minute:02d}"


@dataclass(frozen=True)
class Day:
    label: str
    key: str
    slots: list[dict[str, Any]]


def by_day(slots: list[dict[str, Any]]) -> list[Day]:
    """The slots, in their order, under the day each starts (« mardi 12 janvier 2027 »), each
    with its ``time`` and the time it ends (``until``) in words."""
    days: list[Day] = []
    for slot in slots:
        moment = _instant(slot["starts_at"])
        key = moment.date().isoformat()
        if not days or days[-1].key != key:
            days.append(Day(slot_day(moment), key, []))
        until = slot_time(slot["ends_at"]) if slot.get("ends_at") else ""
        days[-1].slots.append({**slot, "time": slot_time(moment), "until": until})
    return days


def reason_groups(reasons: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The reasons under their object (« Mes cotisations », « Ma retraite »…), in order."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for reason in reasons:
        if not groups or groups[-1][0] != reason["object_label"]:
            groups.append((reason["object_label"], []))
        groups[-1][1].append(reason)
    return groups


def who(by: str) -> str:
    """Who made a change of the history: « la personne », « un agent »…"""
    if by == "person":
        return "La personne (lien du courriel ou formulaire)"
    if by.startswith("agent:"):
        return "Un agent"
    if by.startswith("assure:"):
        return "La personne, connectée à son compte"
    if by == "closure":
        return "Fermeture de l'agence"
    return "Le service des rendez-vous"


def history(entries: list[dict[str, Any]], zone: tzinfo) -> list[dict[str, str]]:
    """The history as an agent reads it: when, what, by whom, the slot at that moment, and the
    note or explanation given (a move says the slot it left)."""
    rows: list[dict[str, str]] = []
    previous_slot = ""
    for entry in entries:
        slot = at_the_agency(entry["starts_at"], zone) if entry.get("starts_at") else ""
        detail = str(entry.get("detail") or "")
        if entry.get("change") == "rescheduled":
            detail = f"Ancien créneau : {previous_slot}" if previous_slot else ""
        rows.append(
            {
                "at": at_the_agency(entry["at"], zone),
                "change": CHANGES.get(str(entry.get("change")), str(entry.get("change"))),
                "by": who(str(entry.get("by") or "")),
                "slot": slot,
                "detail": detail,
            }
        )
        previous_slot = slot
    return rows


def phone(value: str) -> str:
    """A French number as appointments keeps it (``+33612345678``) as people write it
    (« 06 12 34 56 78 »); an overseas or foreign one stays international."""
    if value.startswith("+33") and len(value) == 12 and value[1:].isdigit():
        national = "0" + value[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return value


def token_of(manage_url: str) -> str:
    """The token of a manage link, whether it opens the portal (``…?token=``) or the api
    (``…/v1/appointments/manage/{token}``)."""
    parsed = urlparse(manage_url)
    found = parse_qs(parsed.query).get("token")
    if found:
        return found[0]
    return parsed.path.rstrip("/").rsplit("/", 1)[-1]


def receipt_of(booked: dict[str, Any], email: str) -> str:
    """What the confirmation page shows of a booking (kept in the visit until it is shown)."""
    return json.dumps(
        {
            "reference": booked["appointment_id"],
            "object": booked.get("object_label", ""),
            "reason": booked.get("reason_label", ""),
            "agency": booked["agency_name"],
            "address": booked["agency_address"],
            "channel": booked["channel"],
            "starts_at": booked["starts_at"],
            "ends_at": booked["ends_at"],
            "email": email,
        },
        ensure_ascii=False,
    )


def opened_receipt(value: str) -> dict[str, str] | None:
    if not value:
        return None
    try:
        opened = json.loads(value)
    except ValueError:
        return None
    return opened if isinstance(opened, dict) else None
