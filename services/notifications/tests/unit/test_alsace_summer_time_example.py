"""A worked example, kept as test data (``tests/data/alsace_summer_time_end/``): an appointment
at the Strasbourg agency on Friday 23 October 2026 at 9 h 00 (summer time, 07:00 UTC), moved to
Monday 26 October at 9 h 00 (winter time, 08:00 UTC) across the night summer time ends, then
reminded on Sunday 25. The same wall-clock hour is two different UTC hours: every mail says
« 9 h 00 », and each calendar file holds 9 h 00 in Europe/Paris with the zone's rules.

The expected mails (``<kind>.txt``: the subject and the plain-text part) and calendar files
(``<kind>.ics``, DTSTAMP written ``<DTSTAMP>``) are the files beside the events: rendered
again here, they must not change.
Set ``NOTIFICATIONS_WRITE_EXAMPLES=1`` to write them again after a deliberate change, and read
the difference before committing it."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope
from icalendar import Calendar
from notifications.adapters.rendering.formatting import PARIS
from notifications.adapters.templates import TemplateRenderer
from notifications_fakes import FakeNotifications
from servicekit.clock import FakeClock
from servicekit.messaging import IncomingEvent

EXAMPLE = Path(__file__).parent.parent / "data" / "alsace_summer_time_end"
KINDS = (
    "appointment_acknowledged",
    "appointment_confirmed",
    "appointment_rescheduled",
    "appointment_reminder",
)
_DTSTAMP = re.compile(rb"DTSTAMP:\d{8}T\d{6}Z")


def _events() -> list[IncomingEvent]:
    raw: list[dict[str, Any]] = json.loads((EXAMPLE / "events.json").read_text("utf-8"))
    return [
        IncomingEvent(
            envelope=Envelope(
                id=e["id"],
                type=e["type"],
                source="appointments",
                time=datetime.fromisoformat(e["time"]),
                subject=e["data"]["appointment_id"],
            ),
            data=e["data"],
            topic="appointments.appointment",
            partition=0,
            offset=n,
        )
        for n, e in enumerate(raw)
    ]


async def _mails() -> dict[str, tuple[str, bytes]]:
    """Each event planned and sent at its own time: the kind's text and calendar file."""
    events = _events()
    app = FakeNotifications(renderer=TemplateRenderer(), clock=FakeClock(events[0].envelope.time))
    for event in events:
        app.clock.set(event.envelope.time)
        assert await app.plan(event) == 1
        assert await app.dispatch() == 1
    mails: dict[str, tuple[str, bytes]] = {}
    for mail, kind in zip(app.email.sent, KINDS, strict=True):
        ics = b"".join(a.data for a in mail.content.attachments)
        text = f"Subject: {mail.content.subject}\n\n{mail.content.text}"
        mails[kind] = (text, _DTSTAMP.sub(b"DTSTAMP:<DTSTAMP>", ics))
    return mails


async def test_the_mails_and_calendar_files_are_the_example_files() -> None:
    mails = await _mails()
    if os.environ.get("NOTIFICATIONS_WRITE_EXAMPLES") == "1":
        for kind, (text, ics) in mails.items():
            (EXAMPLE / f"{kind}.txt").write_text(text, "utf-8")
            if ics:
                (EXAMPLE / f"{kind}.ics").write_bytes(ics)
    for kind, (text, ics) in mails.items():
        assert text == (EXAMPLE / f"{kind}.txt").read_text("utf-8"), kind
        if ics:
            assert ics == (EXAMPLE / f"{kind}.ics").read_bytes(), kind
        else:
            assert not (EXAMPLE / f"{kind}.ics").exists(), kind
    assert sorted(p.name for p in EXAMPLE.iterdir()) == sorted(
        ["README.md", "events.json"]
        + [f"{kind}.txt" for kind in KINDS]
        + [f"{kind}.ics" for kind in KINDS if mails[kind][1]]
    )


async def test_nine_o_clock_is_nine_o_clock_on_both_sides_of_the_switch() -> None:
    mails = await _mails()
    assert (
        "le vendredi 23 octobre 2026 à 9 h 00 (jusqu'à 9 h 30)"
        in (mails["appointment_acknowledged"][0])
    )
    assert (
        "du vendredi 23 octobre 2026 à 9 h 00 est déplacé au lundi 26 octobre 2026 à 9 h 00 "
        "(jusqu'à 9 h 30)"
    ) in mails["appointment_rescheduled"][0]
    assert "demain, lundi 26 octobre 2026 à 9 h 00" in mails["appointment_reminder"][0]
    starts = {}
    for kind in ("appointment_confirmed", "appointment_rescheduled", "appointment_reminder"):
        calendar = Calendar.from_ical(mails[kind][1])
        [event] = calendar.walk("VEVENT")
        assert event["dtstart"].params["TZID"] == "Europe/Paris"
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/Paris"
        starts[kind] = (event.decoded("dtstart"), event.decoded("sequence"))
    friday, monday = (
        datetime(2026, 10, 23, 9, tzinfo=PARIS),
        datetime(2026, 10, 26, 9, tzinfo=PARIS),
    )
    assert starts == {
        "appointment_confirmed": (friday, 1),
        "appointment_rescheduled": (monday, 2),
        "appointment_reminder": (monday, 2),
    }
    assert friday.astimezone(UTC).hour == 7  # summer time, UTC+2
    assert monday.astimezone(UTC).hour == 8  # winter time, UTC+1
    # 73 hours, not 72: the night of the 25th lasts an hour more
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == timedelta(days=3, hours=1)
