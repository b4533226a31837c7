"""A booking over the real processes (identity for the agent, notifications, appointments) on
a real broker: book → acknowledgement mail → an agent confirms → confirmation mail with a
calendar file read back → the reminder, once, across a worker SIGKILLed before its commit and
one SIGKILLed after → cancelled by the mail's link → the place is free again.

The service's clock is moved (``APPOINTMENTS_CLOCK_SHIFT_S``) to a Monday at 10 h in Paris a
week or more ahead, whose Tuesday the Paris agency is open: the reminder of a Tuesday
appointment is due at once, whatever day the suite runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import httpx
import icalendar
import pytest
from devstack.processes import alive
from journeys import agent_bearer, mails_to, text_of, verification_code
from servicekit.testing.polling import eventually
from stack_runner import ROOT, RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

PARIS = ZoneInfo("Europe/Paris")
AGENCY = "agence-paris"
DEADLINE_S = 60
LINK = re.compile(r"https?://\S+/v1/appointments/manage/[A-Za-z0-9._~-]+")
REFERENCE = ROOT / "services/appointments/src/appointments/reference/agencies.json"


def _closed(day: date) -> bool:
    """The Paris agency does not open that day (a weekend, a public holiday, a closure)."""
    agency = next(
        a for a in json.loads(REFERENCE.read_text())["agencies"] if a["agency_id"] == AGENCY
    )
    closures = [
        (date.fromisoformat(c["first_day"]), date.fromisoformat(c["last_day"]))
        for c in agency["closures"]
    ]
    return (
        day.weekday() not in {o["weekday"] for o in agency["opening_hours"]}
        or day in holidays.France(years=day.year)
        or any(first <= day <= last for first, last in closures)
    )


def _the_week() -> date:
    """A Monday at least a week ahead whose Tuesday the agency opens."""
    monday = datetime.now(PARIS).date() + timedelta(days=7)
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    while _closed(monday + timedelta(days=1)):
        monday += timedelta(days=7)
    return monday


MONDAY = _the_week()
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(scope="module")
def platform(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    then = datetime.combine(MONDAY, time(10), tzinfo=PARIS)
    shift = (then - datetime.now(UTC)).total_seconds()
    running = run_platform(
        tmp_path_factory.mktemp("appointments-e2e"),
        kafka_bootstrap,
        services=["identity", "notifications", "appointments"],
        env={
            "APPOINTMENTS_CLOCK_SHIFT_S": f"{shift:.0f}",
            "APPOINTMENTS_REMINDER_INTERVAL_S": "0.5",
            "APPOINTMENTS_REMINDER_LEASE_TTL_S": "3",
            "APPOINTMENTS_CAPTCHA_MAX_NUMBER": "5000",
        },
        # the first life of the worker dies with the reminders claimed and not committed
        process_env={
            "appointments-worker": {"SERVICEKIT_FAULTS": "reminders.before_commit=kill@1"}
        },
    )
    try:
        yield running
    finally:
        running.stop()


def nir(serial: int) -> str:
    digits = f"18505751234{serial:02d}"
    return f"{digits}{97 - int(digits) % 97:02d}"


async def tuesday_slots(client: httpx.AsyncClient, api: str) -> list[dict[str, Any]]:
    day = TUESDAY.isoformat()
    resp = await client.get(
        f"{api}/v1/slots", params={"agency_id": AGENCY, "from": day, "to": day, "limit": 50}
    )
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def book(
    client: httpx.AsyncClient, api: str, starts_at: str, email: str, serial: int
) -> dict[str, Any]:
    body = {
        "agency_id": AGENCY,
        "starts_at": starts_at,
        "reason_code": "cotisations-echeancier",
        "channel": "agence",
        "nir": nir(serial),
        "first_names": "Jean",
        "last_name": f"Dupont-{serial}",
        "address": "1 rue de la Paix, 75002 Paris",
        "mobile": "06 12 34 56 78",
        "email": email,
        "terms_accepted": True,
        "captcha": await verification_code(client, api),
    }
    resp = await client.post(f"{api}/v1/appointments", json=body)
    assert resp.status_code == 201, resp.text
    booked: dict[str, Any] = resp.json()
    return booked


async def the_mail(mail_dir: Path, address: str, subject: str) -> EmailMessage:
    async def arrived() -> list[EmailMessage]:
        return [m for m in mails_to(mail_dir, address) if subject in str(m["Subject"])]

    found = await eventually(arrived, timeout_s=DEADLINE_S, message=f"« {subject} » to {address}")
    return found[0]


def calendar_of(mail: EmailMessage) -> icalendar.Calendar:
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True)
    assert isinstance(raw, bytes)
    return icalendar.Calendar.from_ical(raw)


async def test_a_booking_is_acknowledged_confirmed_reminded_once_and_cancelled_by_its_link(
    platform: RunningPlatform,
) -> None:
    api = platform.api("appointments")
    mail_dir = platform.mail_dir
    async with httpx.AsyncClient(timeout=30) as client:
        # the free slots of the Tuesday afternoon (the morning is within the day's notice)
        free = [
            s
            for s in await tuesday_slots(client, api)
            if datetime.fromisoformat(s["starts_at"]).time() >= time(14)
        ]
        first, other = free[0], free[1]
        places_before = first["places_left"]

        # the booking: the place is held at once, the request acknowledged by mail
        person = "jean.dupont.rdv@example.fr"
        booked = await book(client, api, first["starts_at"], person, 1)
        assert booked["state"] == "requested"
        held = next(
            s for s in await tuesday_slots(client, api) if s["starts_at"] == first["starts_at"]
        )
        assert held["places_left"] == places_before - 1
        ack = await the_mail(mail_dir, person, "Votre demande de rendez-vous est enregistrée")
        assert booked["appointment_id"] in text_of(ack)
        assert LINK.findall(text_of(ack)) == [booked["manage_url"]]

        # an agent sees the request and confirms it with a note
        agent = await agent_bearer(platform, "agent.rdv@urssaf.example")
        listed = await client.get(
            f"{api}/v1/agencies/{AGENCY}/appointments",
            params={"state": "requested"},
            headers=agent,
        )
        assert listed.status_code == 200, listed.text
        assert booked["appointment_id"] in [a["appointment_id"] for a in listed.json()["items"]]
        note = "Munissez-vous de votre dernier avis d'échéancier."
        confirmed = await client.post(
            f"{api}/v1/appointments/{booked['appointment_id']}/confirmation",
            json={"note": note},
            headers=agent,
        )
        assert confirmed.status_code == 200, confirmed.text

        # the reminder is due at once (the appointment is tomorrow): the worker claims it
        # and dies before its commit; nothing was sent
        worker = platform.processes["appointments-worker"]

        async def died() -> bool:
            return not alive(worker.pid)

        await eventually(died, timeout_s=DEADLINE_S, message="the worker's death at the claim")
        assert "reminders.before_commit" in platform.log("appointments-worker")
        platform.start("appointments-worker")  # its second life, with no fault armed

        # the confirmation, with its calendar file read back
        mail = await the_mail(mail_dir, person, "est confirmé")
        assert note in text_of(mail)
        (event,) = calendar_of(mail).walk("VEVENT")
        starts = event.decoded("DTSTART")
        assert starts == datetime.fromisoformat(first["starts_at"])
        assert str(starts.tzinfo) == "Europe/Paris"
        assert event.decoded("DTEND") == datetime.fromisoformat(first["ends_at"])
        assert str(event["UID"]) == f"{booked['appointment_id']}@mon-compte.example"
        assert int(event["SEQUENCE"]) >= 1
        assert calendar_of(mail)["METHOD"] == "REQUEST"

        # the reminder, sent by the worker's second life
        reminder = await the_mail(mail_dir, person, "Rappel : votre rendez-vous demain")
        links = LINK.findall(text_of(reminder))
        assert len(links) == 1

        # a worker SIGKILLed after its commit never sends it again: once a later appointment
        # is reminded by the worker's third life, the first still has one reminder
        platform.kill("appointments-worker")
        platform.start("appointments-worker")
        later = "marie.durand.rdv@example.fr"
        second = await book(client, api, other["starts_at"], later, 2)
        assert (
            await client.post(
                f"{api}/v1/appointments/{second['appointment_id']}/confirmation",
                json={"note": ""},
                headers=agent,
            )
        ).status_code == 200
        await the_mail(mail_dir, later, "Rappel : votre rendez-vous demain")
        reminders = [m for m in mails_to(mail_dir, person) if "Rappel" in str(m["Subject"])]
        assert len(reminders) == 1

        # the person cancels with the mail's link, without logging in; the link is then used
        (link,) = links
        opened = await client.get(link)
        assert opened.status_code == 200, opened.text
        assert opened.json()["can_cancel"] is True
        cancelled = await client.post(f"{link}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        again = await client.post(f"{link}/cancel")
        assert again.status_code == 410
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json()["type"].endswith("link-used")
        cancellation = await the_mail(mail_dir, person, "est annulé")
        assert LINK.findall(text_of(cancellation)) == []
        assert calendar_of(cancellation)["METHOD"] == "CANCEL"

        # the place is free again
        freed = next(
            s for s in await tuesday_slots(client, api) if s["starts_at"] == first["starts_at"]
        )
        assert freed["places_left"] == places_before
