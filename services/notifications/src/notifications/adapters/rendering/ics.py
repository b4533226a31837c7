"""The calendar file (RFC 5545) of an appointment, made with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

from notifications.adapters.rendering.formatting import PARIS


def _at(value: str | datetime) -> datetime:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(PARIS)


def render_ics(context: dict[str, Any], *, method: str, summary: str) -> bytes:
    """``REQUEST`` for a confirmation or a reminder, ``CANCEL`` for a cancellation; the UID
    is the appointment's, so calendars update the same event."""
    calendar = Calendar()
    calendar.add("prodid", "-//Mon compte//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{context['appointment_id']}@mon-compte.example")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", _at(context["starts_at"]))
    event.add("dtend", _at(context["ends_at"]))
    event.add("summary", summary)
    event.add("location", f"{context['agency_name']}, {context['agency_address']}")
    event.add("description", f"Rendez-vous : {context['reason']}")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("sequence", 1 if method == "CANCEL" else 0)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
