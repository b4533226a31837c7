"""The calendar file (RFC 5545, iTIP's RFC 5546) of an appointment, made with icalendar.

One event per appointment: its UID is the appointment's (``<appointment id>@mon-compte.example``)
and its SEQUENCE the appointment's revision (``sequence``, bumped by appointments at each
change), so that a calendar moves or removes the event it already holds instead of adding one.
Times are written in the agency's wall clock (``formatting.wall_clock``): with
``TZID=Europe/Paris`` and its VTIMEZONE for a Paris-time agency, in UTC (``Z``) otherwise (an
overseas offset, which names no zone) and for an hour that happens twice in Paris (the night
summer time ends: RFC 5545 would read it as the first one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from notifications.adapters.rendering.formatting import PARIS, channel, wall_clock

ORGANIZER = "mailto:ne-pas-repondre@mon-compte.example"
ORGANIZER_NAME = "Sécurité sociale des indépendants"
STATUSES = {"CANCEL": "CANCELLED"}


def _at(value: str | datetime) -> datetime:
    """The instant with the zone it is written in: Paris's (``TZID``), or UTC."""
    local = wall_clock(value)
    if local.tzinfo is PARIS and local.replace(fold=0).utcoffset() == (
        local.replace(fold=1).utcoffset()
    ):
        return local
    return local.astimezone(UTC)


def _description(context: dict[str, Any]) -> str:
    lines = [f"Rendez-vous {channel(context['channel'])} (référence {context['appointment_id']})."]
    if context.get("object_label"):
        lines.append(f"Objet : {context['object_label']}")
    lines.append(f"Motif : {context['reason']}")
    if context.get("note"):
        lines.append(f"Préparation : {context['note']}")
    return "\n".join(lines)


def _status(context: dict[str, Any], method: str) -> str:
    if method in STATUSES:
        return STATUSES[method]
    return "TENTATIVE" if context.get("confirmed") is False else "CONFIRMED"


def render_ics(context: dict[str, Any], *, method: str, summary: str) -> bytes:
    """``REQUEST`` for a confirmation, a new time or a reminder, ``CANCEL`` for a
    cancellation (the event's ``STATUS`` follows: ``CONFIRMED``, ``TENTATIVE`` for a new time
    not confirmed yet, ``CANCELLED``). Never the link to manage the appointment: a calendar
    entry is shared and synchronised, the link is a secret."""
    starts, ends = _at(context["starts_at"]), _at(context["ends_at"])
    calendar = Calendar()
    calendar.add("prodid", "-//Mon compte//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{context['appointment_id']}@mon-compte.example")
    event.add("sequence", int(context["sequence"]))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", summary)
    event.add("location", f"{context['agency_name']}, {context['agency_address']}")
    event.add("description", _description(context))
    event.add("status", _status(context, method))
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = vText(ORGANIZER_NAME)
    event.add("organizer", organizer)
    if context.get("attendee_email"):
        attendee = vCalAddress(f"mailto:{context['attendee_email']}")
        attendee.params["cn"] = vText(str(context["display_name"]))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    if starts.tzinfo is PARIS or ends.tzinfo is PARIS:  # the zone's rules, around the event
        calendar.add_missing_timezones(
            first_date=date(starts.year - 1, 1, 1), last_date=date(ends.year + 2, 1, 1)
        )
    data: bytes = calendar.to_ical()
    return data
