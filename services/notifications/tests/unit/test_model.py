"""The delivery guards its transitions and records what happened in ``events``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications.domain import events
from notifications.domain.errors import DeliveryNotParked, DeliveryStateConflict
from notifications.domain.letters import address_block
from notifications.domain.model import (
    PARKED,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    Delivery,
    RetrySchedule,
    affiliate_recipient,
    delivery_key,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SCHEDULE = RetrySchedule(max_attempts=3, initial_s=10, max_s=60)


def _delivery(channel: str = "email", recipient: str = "claire@cabinet.fr") -> Delivery:
    kind = "activation_key_letter" if channel == "letter" else "cabinet_activation"
    return Delivery.plan(
        delivery_id="d-1",
        source_event_id="ev-1",
        event_time=NOW,
        kind=kind,
        channel=channel,
        recipient=recipient,
        context={},
        sealed={},
        optional=False,
        now=NOW,
    )


def test_a_planned_delivery_is_due_at_once_under_its_key_and_has_recorded_nothing() -> None:
    delivery = _delivery(recipient="  Claire@Cabinet.fr ")
    assert (delivery.state, delivery.next_attempt_at, delivery.attempts) == (PENDING, NOW, 0)
    assert delivery.key == delivery_key("ev-1", "cabinet_activation", "claire@cabinet.fr")
    assert delivery.email_message_id == delivery.key[:40]
    assert delivery.events == []


def test_a_sent_email_records_one_event() -> None:
    delivery = _delivery()
    delivery.mark_sent(NOW)
    assert (delivery.state, delivery.attempts, delivery.sent_at) == (SENT, 1, NOW)
    assert delivery.events == [
        events.DeliverySent("d-1", "cabinet_activation", "email", "ev-1", sent_at=NOW)
    ]


def test_a_sent_letter_to_an_affiliate_is_queued_with_its_reference() -> None:
    delivery = _delivery("letter", affiliate_recipient("aff-1"))
    delivery.mark_sent(NOW, "prov-1")
    assert (delivery.letter_status, delivery.provider_ref) == ("queued", "prov-1")
    assert [type(e) for e in delivery.events] == [events.DeliverySent, events.LetterStatusChanged]
    queued = delivery.events[1]
    assert isinstance(queued, events.LetterStatusChanged)
    assert (queued.affiliate_id, queued.status, queued.changed_at) == ("aff-1", "queued", NOW)


def test_a_transient_failure_reschedules_with_back_off_then_the_last_attempt_parks() -> None:
    delivery = _delivery()
    delivery.mark_failed(NOW, "SMTP 451", permanent=False, schedule=SCHEDULE)
    assert (delivery.state, delivery.next_attempt_at) == (PENDING, NOW + timedelta(seconds=10))
    delivery.mark_failed(NOW, "SMTP 451", permanent=False, schedule=SCHEDULE)
    assert delivery.next_attempt_at == NOW + timedelta(seconds=20)
    delivery.mark_failed(NOW, "SMTP 451", permanent=False, schedule=SCHEDULE)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (PARKED, 3, None)
    assert [type(e) for e in delivery.events] == [
        events.DeliveryRescheduled,
        events.DeliveryRescheduled,
        events.DeliveryParked,
    ]


def test_a_permanent_failure_parks_at_once_with_its_reason() -> None:
    delivery = _delivery()
    delivery.mark_failed(NOW, "SMTP 550: " + "x" * 3000, permanent=True, schedule=SCHEDULE)
    assert delivery.state == PARKED
    assert delivery.last_error is not None
    assert len(delivery.last_error) == 2000
    [parked] = delivery.events
    assert isinstance(parked, events.DeliveryParked)
    assert (parked.reason, parked.attempts, parked.parked_at) == (delivery.last_error, 1, NOW)


def test_only_a_parked_delivery_is_retried_and_its_attempts_start_again() -> None:
    delivery = _delivery()
    with pytest.raises(DeliveryNotParked, match="n'est pas en attente d'intervention"):
        delivery.retry(NOW)
    delivery.mark_failed(NOW, "refused", permanent=True, schedule=SCHEDULE)
    later = NOW + timedelta(hours=1)
    delivery.retry(later)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (PENDING, 0, later)
    assert delivery.events[-1] == events.DeliveryRetried("d-1", "cabinet_activation", later)


@pytest.mark.parametrize("state", [SENT, PARKED, SKIPPED])
def test_a_delivery_no_longer_claimed_can_be_neither_sent_nor_failed_nor_skipped(
    state: str,
) -> None:
    delivery = _delivery()
    delivery.state = state
    with pytest.raises(DeliveryStateConflict):
        delivery.mark_sent(NOW)
    with pytest.raises(DeliveryStateConflict):
        delivery.mark_failed(NOW, "x", permanent=False, schedule=SCHEDULE)
    with pytest.raises(DeliveryStateConflict):
        delivery.mark_skipped("x")
    assert delivery.events == []


def test_a_delivery_left_sending_is_in_doubt_and_may_still_be_sent() -> None:
    delivery = _delivery()
    delivery.state = SENDING
    assert delivery.in_doubt
    delivery.mark_sent(NOW)
    assert delivery.state == SENT


def test_a_letters_status_is_recorded_once_per_change_and_only_for_a_letter_sent() -> None:
    letter = _delivery("letter", affiliate_recipient("aff-1"))
    with pytest.raises(DeliveryStateConflict):
        letter.change_letter_status("printed", NOW)
    letter.mark_sent(NOW, "prov-1")
    letter.events.clear()
    assert letter.change_letter_status("printed", NOW) is True
    assert letter.change_letter_status("printed", NOW) is False
    assert [e.status for e in letter.events if isinstance(e, events.LetterStatusChanged)] == [
        "printed"
    ]
    with pytest.raises(ValueError, match="unknown letter status"):
        letter.change_letter_status("lost", NOW)
    email = _delivery()
    email.mark_sent(NOW)
    with pytest.raises(DeliveryStateConflict):
        email.change_letter_status("posted", NOW)


def test_an_address_block_is_upper_case_38_characters_a_line_and_6_lines_at_most() -> None:
    block = address_block("Jean Dupont", ["12 rue des Lilas", "", "x" * 50, "69003 Lyon"])
    assert block == ("JEAN DUPONT", "12 RUE DES LILAS", "X" * 38, "69003 LYON")
    with pytest.raises(ValueError, match="6 lines"):
        address_block("Jean Dupont", ["ligne"] * 6)
