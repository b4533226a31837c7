"""Appointment events through the planners and the dispatcher: the mails each causes, the link
to manage the appointment kept sealed until rendering (never in clear in a delivery nor in a
log line), and never twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from contracts.appointments import v1 as appointments_v1
from icalendar import Calendar
from notifications.adapters.secrets import SealedSecretOpener
from notifications.adapters.templates import TemplateRenderer
from notifications.domain.errors import DeliveryFailed
from notifications.service_layer.planning import PLANNERS
from notifications.service_layer.ports import OutgoingEmail
from notifications_events import APPOINTMENT, MOVED, incoming
from notifications_fakes import FakeNotifications
from servicekit.logging import MASK, configure_logging
from servicekit.sealing import generate_keypair, seal

PRIVATE_KEY, PUBLIC_KEY = generate_keypair()
LINK = "https://mon-compte.example/rendez-vous/RDV-1?jeton=Zq8-wY3_kP0rT5uV"


def _sealed(**changes: object) -> dict[str, object]:
    return {**APPOINTMENT, "sealed_manage_link": seal(PUBLIC_KEY, LINK), **changes}


def _app() -> FakeNotifications:
    return FakeNotifications(
        renderer=TemplateRenderer(), opener=SealedSecretOpener(PRIVATE_KEY), max_attempts=3
    )


@pytest.fixture
def logging_reset() -> Iterator[None]:
    """Logging is configured in the test itself (capsys replaces stderr only while it runs)."""
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (appointments_v1.AppointmentRequestedV1(**APPOINTMENT), "appointment_acknowledged"),
        (appointments_v1.AppointmentConfirmedV1(**APPOINTMENT), "appointment_confirmed"),
        (
            appointments_v1.AppointmentRescheduledV1(**MOVED, confirmed=True),
            "appointment_rescheduled",
        ),
        (appointments_v1.AppointmentReminderDueV1(**APPOINTMENT), "appointment_reminder"),
        (appointments_v1.AppointmentCancelledV1(**APPOINTMENT), "appointment_cancelled"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_appointment_event_plans_one_mail_to_the_person_with_the_link_still_sealed(
    payload: appointments_v1.AppointmentEventV1, kind: str
) -> None:
    [planned] = PLANNERS[payload.event_type](incoming(payload))
    assert (planned.kind, planned.channel, planned.recipient) == (kind, "email", "jean@dupont.fr")
    assert planned.sealed == {"manage_link": APPOINTMENT["sealed_manage_link"]}
    assert "manage_link" not in planned.context
    assert planned.context["display_name"] == "Jean Dupont"
    assert planned.context["channel"] == "agence"
    assert planned.context["object_label"] == "Cotisations"
    assert planned.context["sequence"] == payload.sequence
    assert planned.context["starts_at"] == payload.starts_at.isoformat()


def test_the_planners_carry_the_note_the_old_time_and_who_cancelled() -> None:
    confirmed = appointments_v1.AppointmentConfirmedV1(**APPOINTMENT, note="Apportez vos bilans.")
    [c] = PLANNERS[confirmed.event_type](incoming(confirmed))
    assert c.context["note"] == "Apportez vos bilans."
    moved = appointments_v1.AppointmentRescheduledV1(**MOVED, confirmed=False)
    [m] = PLANNERS[moved.event_type](incoming(moved))
    assert m.context["previous_starts_at"] == "2026-03-10T09:30:00+00:00"
    assert (m.context["confirmed"], m.context["sequence"]) == (False, 2)
    slot = appointments_v1.SlotOffer(
        agency_id="paris-centre",
        starts_at=datetime(2026, 3, 17, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 17, 8, 30, tzinfo=UTC),
    )
    cancelled = appointments_v1.AppointmentCancelledV1(
        **APPOINTMENT, cancelled_by="closure", explanation="Travaux.", next_free_slots=[slot]
    )
    [x] = PLANNERS[cancelled.event_type](incoming(cancelled))
    assert (x.context["cancelled_by"], x.context["explanation"]) == ("closure", "Travaux.")
    assert x.context["next_free_slots"] == [
        {
            "agency_id": "paris-centre",
            "starts_at": "2026-03-17T08:00:00+00:00",
            "ends_at": "2026-03-17T08:30:00+00:00",
        }
    ]


def test_an_event_without_a_manage_link_plans_no_secret() -> None:
    payload = appointments_v1.AppointmentRequestedV1(**{**APPOINTMENT, "sealed_manage_link": None})
    [planned] = PLANNERS[payload.event_type](incoming(payload))
    assert planned.sealed == {}


def test_an_attended_appointment_sends_nothing() -> None:
    assert appointments_v1.AppointmentAttendedV1.event_type not in PLANNERS
    assert appointments_v1.AgencyChangedV1.event_type not in PLANNERS


async def test_the_attended_event_plans_no_delivery() -> None:
    app = _app()
    attended = appointments_v1.AppointmentAttendedV1(**APPOINTMENT, outcome="done")
    assert await app.plan(incoming(attended)) == 0
    assert app.deliveries == []


async def test_the_link_is_opened_for_the_mail_only_never_stored_nor_logged(
    logging_reset: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("notifications", json=True)
    app = _app()
    payload = appointments_v1.AppointmentConfirmedV1(**_sealed())  # type: ignore[arg-type]
    # a spam filter's refusal that quotes the link it blocks: transient, retried
    app.email.failures.append(DeliveryFailed(f"SMTP 451: URL {LINK} deferred", permanent=False))
    assert await app.plan(incoming(payload)) == 1
    await app.dispatch()
    [waiting] = app.deliveries
    assert waiting.state == "pending"
    assert waiting.last_error == f"SMTP 451: URL {MASK} deferred"
    app.clock.advance(timedelta(minutes=5))
    await app.dispatch()
    [mail] = app.email.sent
    assert f"Annuler ou déplacer ce rendez-vous : {LINK}" in mail.content.text
    assert f'href="{LINK}"' in mail.content.html
    [stored] = app.deliveries
    assert stored.state == "sent"
    row = json.dumps(
        {"context": stored.context, "sealed": stored.sealed, "error": stored.last_error}
    )
    assert LINK not in row
    assert "jeton" not in row
    assert stored.sealed["manage_link"] == payload.sealed_manage_link
    for event in app.uow.outbox.events:
        assert LINK not in event.payload.model_dump_json()
    lines = capsys.readouterr().err
    assert '"event": "delivery_failed"' in lines
    assert '"event": "delivery_sent"' in lines
    assert LINK not in lines
    assert "jeton" not in lines


def _calendar_of(mail: OutgoingEmail) -> Calendar:
    [attachment] = mail.content.attachments
    return Calendar.from_ical(attachment.data)


async def test_a_redelivered_reminder_sends_nothing_more() -> None:
    app = _app()
    reminder = incoming(
        appointments_v1.AppointmentReminderDueV1(**_sealed()),  # type: ignore[arg-type]
        event_id="reminder-RDV-1-2026-03-09",
    )
    assert await app.plan(reminder) == 1
    await app.dispatch()
    assert await app.plan(reminder) == 0  # the same event again (redelivered, replayed)
    await app.dispatch()
    [mail] = app.email.sent
    assert mail.to == "jean@dupont.fr"
    assert mail.content.subject == "Rappel : votre rendez-vous demain à 10 h 30"
    assert str(_calendar_of(mail)["method"]) == "REQUEST"
    assert len(app.deliveries) == 1


async def test_confirm_move_and_cancel_keep_one_calendar_event_with_a_rising_sequence() -> None:
    app = _app()
    events = [
        appointments_v1.AppointmentConfirmedV1(**_sealed()),  # type: ignore[arg-type]
        appointments_v1.AppointmentRescheduledV1(
            **{**MOVED, "sealed_manage_link": None}, confirmed=True
        ),
        appointments_v1.AppointmentCancelledV1(
            **{**MOVED, "sealed_manage_link": None, "sequence": 3},
            cancelled_by="agent",
            explanation="Conseiller absent",
        ),
    ]
    for payload in events:
        await app.plan(incoming(payload))
        await app.dispatch()
    calendars = [_calendar_of(mail) for mail in app.email.sent]
    assert [str(c["method"]) for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    vevents = [c.walk("VEVENT")[0] for c in calendars]
    assert {str(e["uid"]) for e in vevents} == {"RDV-1@mon-compte.example"}
    assert [e.decoded("sequence") for e in vevents] == [1, 2, 3]
    assert [e.decoded("dtstart").hour for e in vevents] == [10, 14, 14]
    texts = [mail.content.text for mail in app.email.sent]
    assert "Annuler ou déplacer" in texts[0]
    assert all("Annuler ou déplacer" not in text for text in texts[1:])  # no link published
