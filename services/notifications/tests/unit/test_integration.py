"""Domain events become notifications.delivery payloads in integration.py, and only there."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.notifications import v1
from notifications.domain import events
from notifications.domain.model import Delivery, RetrySchedule, affiliate_recipient
from notifications.service_layer.integration import outgoing, to_integration

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_a_sent_delivery_is_a_message_sent_keyed_by_the_delivery() -> None:
    row = to_integration(events.DeliverySent("d-1", "password_reset", "email", "ev-1", NOW))
    assert row is not None
    assert row.subject == "d-1"
    assert row.payload == v1.MessageSentV1(
        message_id="d-1",
        kind="password_reset",
        channel="email",
        source_event_id="ev-1",
        sent_at=NOW,
    )


def test_a_parked_delivery_is_a_message_failed_with_its_reason_cut_to_500() -> None:
    parked = events.DeliveryParked("d-1", "password_reset", "email", "ev-1", 3, "x" * 2000, NOW)
    row = to_integration(parked)
    assert row is not None
    assert isinstance(row.payload, v1.MessageFailedV1)
    assert (row.payload.reason, row.payload.failed_at) == ("x" * 500, NOW)


def test_a_letters_status_names_its_affiliate() -> None:
    changed = events.LetterStatusChanged(
        "d-1", "activation_key_letter", "ev-1", "aff-1", "posted", NOW
    )
    row = to_integration(changed)
    assert row is not None
    assert row.payload == v1.LetterStatusChangedV1(
        message_id="d-1",
        kind="activation_key_letter",
        source_event_id="ev-1",
        affiliate_id="aff-1",
        status="posted",
        changed_at=NOW,
    )


def test_what_stays_inside_notifications_is_not_published() -> None:
    assert to_integration(events.DeliverySkipped("d-1", "k", "no address")) is None
    assert to_integration(events.DeliveryRetried("d-1", "k", NOW)) is None
    assert to_integration(events.DeliveryRescheduled("d-1", "k", "email", 1, "x", NOW)) is None


def test_the_rows_of_several_deliveries_keep_their_order_and_the_events_are_cleared() -> None:
    letter = Delivery.plan(
        delivery_id="d-1",
        source_event_id="ev-1",
        event_time=NOW,
        kind="activation_key_letter",
        channel="letter",
        recipient=affiliate_recipient("aff-1"),
        context={},
        sealed={},
        optional=False,
        now=NOW,
    )
    email = Delivery.plan(
        delivery_id="d-2",
        source_event_id="ev-2",
        event_time=NOW,
        kind="password_reset",
        channel="email",
        recipient="jean@dupont.fr",
        context={},
        sealed={},
        optional=False,
        now=NOW,
    )
    letter.mark_sent(NOW, "prov-1")
    email.mark_failed(NOW, "SMTP 451", permanent=False, schedule=RetrySchedule())
    rows = outgoing([letter, email])
    assert [(type(r.payload), r.subject) for r in rows] == [
        (v1.MessageSentV1, "d-1"),
        (v1.LetterStatusChangedV1, "d-1"),
    ]
    assert letter.events == email.events == []
