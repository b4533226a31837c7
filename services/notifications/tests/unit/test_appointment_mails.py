"""The appointment mails: what each one says in French, in the agency's wall clock, and the
calendar file it carries (parsed back: METHOD, UID, SEQUENCE, times in Paris time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from icalendar import Calendar, Event
from notifications.adapters.rendering import MessageKind, render_email
from notifications.adapters.rendering.formatting import (
    PARIS,
    french_datetime,
    french_day,
    french_moment,
    french_time,
    wall_clock,
)
from notifications_samples import APPOINTMENT, MANAGE_LINK, SAMPLES

UID = "RDV-2026-000123@mon-compte.example"


def _calendar(kind: MessageKind, context: dict[str, Any]) -> tuple[Calendar, Event]:
    [attachment] = render_email(kind, context).attachments
    assert attachment.filename == "rendez-vous.ics"
    calendar = Calendar.from_ical(attachment.data)
    [event] = calendar.walk("VEVENT")
    assert attachment.content_type == f"text/calendar; method={calendar['method']}"
    return calendar, event


def _paris_times(calendar: Calendar, event: Event) -> tuple[datetime, datetime]:
    """DTSTART and DTEND written with TZID=Europe/Paris, whose VTIMEZONE the file holds."""
    for name in ("dtstart", "dtend"):
        assert event[name].params["TZID"] == "Europe/Paris"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    return event.decoded("dtstart"), event.decoded("dtend")


@pytest.mark.parametrize(
    ("instant", "wall"),
    [
        ("2026-03-10T07:30:00+00:00", "8 h 30"),  # winter: UTC+1
        ("2026-07-07T06:30:00+00:00", "8 h 30"),  # summer: UTC+2
        ("2026-07-07T06:30:00Z", "8 h 30"),
        ("2026-07-07T08:30:00+02:00", "8 h 30"),  # already Paris time
        ("2026-03-10T08:30:00-04:00", "8 h 30"),  # Martinique: its own clock
        ("2026-03-10T08:30:00+04:00", "8 h 30"),  # La Réunion
    ],
)
def test_times_read_as_the_agency_clock_paris_unless_the_offset_says_another_place(
    instant: str, wall: str
) -> None:
    assert french_time(instant) == wall
    assert french_datetime(instant).endswith(f"à {wall}")


def test_an_instant_is_said_with_its_weekday_and_its_paris_day() -> None:
    assert french_moment("2026-03-10T08:30:00+00:00") == "mardi 10 mars 2026 à 9 h 30"
    assert (
        french_moment(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)) == "dimanche 1er mars 2026 à 10 h 00"
    )
    # 23:30 UTC on 9 March is already the 10th in Paris
    assert french_day("2026-03-09T23:30:00+00:00") == "10 mars 2026"
    assert wall_clock("2026-03-10T08:30:00").tzinfo is PARIS  # no offset: UTC, said in Paris
    martinique = wall_clock("2026-03-10T08:30:00-04:00")
    assert martinique.utcoffset() == timedelta(hours=-4)


def test_the_acknowledgement_says_registered_an_agent_will_call_and_what_for() -> None:
    mail = render_email(MessageKind.APPOINTMENT_ACKNOWLEDGED, APPOINTMENT)
    assert mail.subject == "Votre demande de rendez-vous est enregistrée"
    assert (
        "Votre demande de rendez-vous à l'agence le mardi 10 mars 2026 à 10 h 30 "
        "(jusqu'à 11 h 00) est enregistrée sous la référence RDV-2026-000123 : vous serez "
        "recontacté par un agent afin de confirmer et préparer votre rendez-vous."
    ) in mail.text
    assert "Agence : Agence de Paris Centre, 10 rue Réaumur, 75003 Paris." in mail.text
    assert "Objet : « Cotisations » ; motif : « Cotisations — délai de paiement »." in mail.text
    assert mail.attachments == ()


@pytest.mark.parametrize(
    ("channel", "words"),
    [("agence", "à l'agence"), ("telephone", "par téléphone"), ("visio", "en visioconférence")],
)
def test_the_channel_is_said_in_words(channel: str, words: str) -> None:
    context = {**APPOINTMENT, "channel": channel}
    acknowledged = render_email(MessageKind.APPOINTMENT_ACKNOWLEDGED, context).text
    assert f"Votre demande de rendez-vous {words} le mardi 10 mars 2026" in acknowledged
    confirmed = render_email(MessageKind.APPOINTMENT_CONFIRMED, context).text
    assert f"Votre rendez-vous {words} est confirmé le mardi 10 mars 2026" in confirmed
    _, event = _calendar(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert f"Rendez-vous {words} (référence RDV-2026-000123)." in str(event["description"])


def test_without_an_object_the_mail_gives_the_reason_alone() -> None:
    mail = render_email(MessageKind.APPOINTMENT_ACKNOWLEDGED, {**APPOINTMENT, "object_label": ""})
    assert "Motif : « Cotisations — délai de paiement »." in mail.text
    assert "Objet" not in mail.text


def test_the_confirmation_gives_the_agents_note_and_a_calendar_request_in_paris_time() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_CONFIRMED]
    mail = render_email(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert mail.subject == "Votre rendez-vous du mardi 10 mars 2026 est confirmé"
    assert "confirmé le mardi 10 mars 2026 à 10 h 30 (jusqu'à 11 h 00)" in mail.text
    assert (
        "Pour préparer votre rendez-vous, l'agent vous indique : « Apportez votre dernier avis "
        "d'imposition. »"
    ) in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == UID
    assert event.decoded("sequence") == 1
    assert _paris_times(calendar, event) == (
        datetime(2026, 3, 10, 10, 30, tzinfo=PARIS),
        datetime(2026, 3, 10, 11, 0, tzinfo=PARIS),
    )
    assert str(event["location"]) == "Agence de Paris Centre, 10 rue Réaumur, 75003 Paris"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["attendee"]) == "mailto:jean@dupont.fr"
    assert "Apportez votre dernier avis" in str(event["description"])


def test_a_summer_appointment_is_written_in_paris_summer_time() -> None:
    context = {
        **APPOINTMENT,
        "starts_at": "2026-07-07T06:30:00+00:00",
        "ends_at": "2026-07-07T07:00:00+00:00",
    }
    mail = render_email(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert "le mardi 7 juillet 2026 à 8 h 30 (jusqu'à 9 h 00)" in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_CONFIRMED, context)
    starts, _ = _paris_times(calendar, event)
    assert (starts.hour, starts.minute) == (8, 30)
    assert starts.utcoffset() == timedelta(hours=2)
    assert starts.astimezone(UTC) == datetime(2026, 7, 7, 6, 30, tzinfo=UTC)


def test_a_moved_appointment_says_both_times_and_moves_the_same_calendar_event() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_RESCHEDULED]
    mail = render_email(MessageKind.APPOINTMENT_RESCHEDULED, context)
    assert mail.subject == "Votre rendez-vous est déplacé au jeudi 12 mars 2026"
    assert (
        "Votre rendez-vous à l'agence du mardi 10 mars 2026 à 10 h 30 est déplacé au jeudi "
        "12 mars 2026 à 14 h 00 (jusqu'à 14 h 30)."
    ) in mail.text
    assert "Ce nouvel horaire est confirmé." in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_RESCHEDULED, context)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == UID  # the same event as the confirmation's
    assert event.decoded("sequence") == 2  # bumped: calendars replace the older revision
    assert _paris_times(calendar, event)[0] == datetime(2026, 3, 12, 14, 0, tzinfo=PARIS)
    assert str(event["status"]) == "CONFIRMED"


def test_a_moved_appointment_not_confirmed_yet_is_tentative_and_an_agent_will_call() -> None:
    context = {**SAMPLES[MessageKind.APPOINTMENT_RESCHEDULED][0], "confirmed": False}
    mail = render_email(MessageKind.APPOINTMENT_RESCHEDULED, context)
    assert "Vous serez recontacté par un agent afin de confirmer ce nouvel horaire." in mail.text
    _, event = _calendar(MessageKind.APPOINTMENT_RESCHEDULED, context)
    assert str(event["status"]) == "TENTATIVE"


def test_the_reminder_says_tomorrow_with_the_time() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_REMINDER]
    mail = render_email(MessageKind.APPOINTMENT_REMINDER, context)
    assert mail.subject == "Rappel : votre rendez-vous demain à 10 h 30"
    assert "rendez-vous à l'agence demain, mardi 10 mars 2026 à 10 h 30" in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_REMINDER, context)
    assert str(calendar["method"]) == "REQUEST"
    assert (str(event["uid"]), event.decoded("sequence")) == (UID, 1)


CANCELLED = SAMPLES[MessageKind.APPOINTMENT_CANCELLED][0]


def test_a_cancellation_by_the_person_is_acknowledged_and_removes_the_calendar_event() -> None:
    mail = render_email(MessageKind.APPOINTMENT_CANCELLED, CANCELLED)
    assert mail.subject == "Votre rendez-vous du mardi 10 mars 2026 est annulé"
    assert (
        "Nous avons bien enregistré l'annulation de votre rendez-vous à l'agence du mardi "
        "10 mars 2026 à 10 h 30 (référence RDV-2026-000123) : le créneau est libéré."
    ) in mail.text
    assert "excuser" not in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_CANCELLED, {**CANCELLED, "sequence": 3})
    assert str(calendar["method"]) == "CANCEL"
    assert (str(event["uid"]), event.decoded("sequence")) == (UID, 3)
    assert str(event["status"]) == "CANCELLED"
    assert _paris_times(calendar, event)[0] == datetime(2026, 3, 10, 10, 30, tzinfo=PARIS)


def test_a_cancellation_by_the_agency_gives_its_explanation() -> None:
    context = {**CANCELLED, "cancelled_by": "agent", "explanation": "Conseiller absent"}
    text = render_email(MessageKind.APPOINTMENT_CANCELLED, context).text
    assert (
        "est annulé par l'Agence de Paris Centre. Motif de l'annulation : « Conseiller absent »."
    ) in text
    assert "Veuillez nous excuser pour ce contretemps." in text
    other = {**context, "agency_name": "Lyon Part-Dieu"}  # never « l'agence Agence … »
    assert "annulé par l'agence Lyon Part-Dieu." in (
        render_email(MessageKind.APPOINTMENT_CANCELLED, other).text
    )


def test_a_cancellation_after_a_closure_lists_the_next_free_slots_in_french() -> None:
    context = {
        **CANCELLED,
        "cancelled_by": "closure",
        "explanation": "L'agence est fermée pour travaux.",
        "next_free_slots": [
            {
                "agency_id": "paris-centre",
                "starts_at": "2026-03-17T08:00:00+00:00",
                "ends_at": "2026-03-17T08:30:00+00:00",
            },
            {
                "agency_id": "paris-centre",
                "starts_at": "2026-04-01T07:00:00+00:00",
                "ends_at": "2026-04-01T07:30:00+00:00",
            },
        ],
    }
    text = render_email(MessageKind.APPOINTMENT_CANCELLED, context).text
    assert "est annulé en raison de la fermeture de l'Agence de Paris Centre." in text
    assert "L'agence est fermée pour travaux." in text
    assert (
        "Voici les prochains créneaux libres :\n\n"
        "- le mardi 17 mars 2026 à 9 h 00 (jusqu'à 9 h 30)\n"
        "- le mercredi 1er avril 2026 à 9 h 00 (jusqu'à 9 h 30)"  # summer time from 29 March
    ) in text


@pytest.mark.parametrize(
    "kind",
    [
        k
        for k in MessageKind
        if k.value.startswith("appointment_") and k is not MessageKind.APPOINTMENT_CANCELLED
    ],
    ids=str,
)
def test_every_appointment_mail_carries_the_manage_link_and_says_when_it_expires(
    kind: MessageKind,
) -> None:
    context, _ = SAMPLES[kind]
    mail = render_email(kind, context)
    assert f"Annuler ou déplacer ce rendez-vous : {MANAGE_LINK}" in mail.text
    assert f'<a href="{MANAGE_LINK}">' in mail.html.replace("&amp;", "&")
    assert "Il expire après le rendez-vous, le " in mail.text
    for attachment in mail.attachments:  # a calendar entry is shared: never the link
        assert b"jeton" not in attachment.data
    without = {k: v for k, v in context.items() if k != "manage_link"}
    mail = render_email(kind, without)
    assert "Annuler ou déplacer" not in mail.text
    assert "expire" not in mail.text
    assert "<a " not in mail.html


def test_the_cancellation_offers_no_link_to_an_appointment_that_is_no_more() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_CANCELLED]
    assert context["manage_link"] == MANAGE_LINK  # the event carried one
    mail = render_email(MessageKind.APPOINTMENT_CANCELLED, context)
    assert MANAGE_LINK not in mail.text
    assert "Annuler ou déplacer" not in mail.text
    assert "<a " not in mail.html


def test_the_link_expires_at_the_end_of_the_appointment() -> None:
    context, _ = SAMPLES[MessageKind.APPOINTMENT_RESCHEDULED]
    text = render_email(MessageKind.APPOINTMENT_RESCHEDULED, context).text
    assert "Il expire après le rendez-vous, le jeudi 12 mars 2026 à 14 h 30." in text


def test_an_overseas_agency_is_said_in_its_own_clock_and_written_in_utc() -> None:
    context = {
        **APPOINTMENT,
        "agency_name": "Agence de Fort-de-France",
        "starts_at": "2026-03-10T09:30:00-04:00",
        "ends_at": "2026-03-10T10:00:00-04:00",
    }
    mail = render_email(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert "confirmé le mardi 10 mars 2026 à 9 h 30 (jusqu'à 10 h 00)" in mail.text
    calendar, event = _calendar(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert "TZID" not in event["dtstart"].params
    assert calendar.walk("VTIMEZONE") == []
    assert event.decoded("dtstart") == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
    assert b"DTSTART:20260310T133000Z" in render_email(
        MessageKind.APPOINTMENT_CONFIRMED, context
    ).attachments[0].data.replace(b"\r\n ", b"")


def test_an_hour_that_happens_twice_in_paris_is_written_in_utc() -> None:
    """The night summer time ends, 2 h 30 happens twice: with TZID, RFC 5545 reads the first."""
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 2 h 30 winter time (the second one)
    context = {
        **APPOINTMENT,
        "starts_at": second.isoformat(),
        "ends_at": (second + timedelta(minutes=30)).isoformat(),
    }
    _, event = _calendar(MessageKind.APPOINTMENT_CONFIRMED, context)
    assert "TZID" not in event["dtstart"].params
    assert event.decoded("dtstart") == second
    assert event["dtend"].params["TZID"] == "Europe/Paris"  # 3 h 00 happens once
    assert event.decoded("dtend") == (second + timedelta(minutes=30)).astimezone(PARIS)


def test_the_offset_the_agency_wrote_does_not_change_the_paris_rendering() -> None:
    utc = render_email(MessageKind.APPOINTMENT_CONFIRMED, APPOINTMENT)
    paris = render_email(
        MessageKind.APPOINTMENT_CONFIRMED,
        {
            **APPOINTMENT,
            "starts_at": datetime(2026, 3, 10, 10, 30, tzinfo=timezone(timedelta(hours=1))),
            "ends_at": "2026-03-10T11:00:00+01:00",
        },
    )
    assert utc.text == paris.text
