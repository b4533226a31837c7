"""Deliveries through the bus, on hand-written fakes: planned once, sent, retried with
back-off, parked, and sent again by an operator."""

from datetime import UTC, datetime, timedelta

from contracts.envelope import Envelope
from contracts.notifications import v1
from notifications.domain import commands
from notifications.domain.errors import DeliveryFailed
from notifications_fakes import FakeNotifications
from servicekit.messaging import IncomingEvent


def _activation_event(event_id: str = "ev-1", email: str = "claire@cabinet.fr") -> IncomingEvent:
    return IncomingEvent(
        envelope=Envelope(
            id=event_id,
            type="identity.account.activation_requested.v1",
            source="identity",
            time=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
            subject="acc-1",
        ),
        data={
            "account_id": "acc-1",
            "kind": "cabinet_user",
            "purpose": "cabinet_activation",
            "email": email,
            "display_name": "Claire Martin",
            "cabinet_name": "Cabinet Martin",
            "sealed_link": "sealed:https://id/activation?token=tok",
            "expires_at": "2026-01-17T09:00:00+00:00",
        },
        topic="identity.account",
        partition=0,
        offset=1,
    )


async def test_an_activation_request_sends_one_mail_with_the_opened_link() -> None:
    app = FakeNotifications()
    email = app.email
    assert await app.plan(_activation_event()) == 1
    assert await app.dispatch() == 1
    assert len(email.sent) == 1
    assert email.sent[0].to == "claire@cabinet.fr"
    assert "https://id/activation?token=tok" in email.sent[0].content.text
    assert [type(e.payload) for e in app.uow.outbox.events] == [v1.MessageSentV1]


async def test_a_redelivered_event_sends_no_second_mail() -> None:
    app = FakeNotifications()
    await app.plan(_activation_event())
    assert await app.plan(_activation_event()) == 0
    await app.dispatch()
    await app.dispatch()
    assert len(app.email.sent) == 1


async def test_a_transient_failure_is_retried_after_its_back_off() -> None:
    app = FakeNotifications()
    email = app.email
    email.failures.append(DeliveryFailed("SMTP unreachable", permanent=False))
    await app.plan(_activation_event())
    await app.dispatch()
    assert email.sent == []
    assert await app.dispatch() == 0
    app.clock.advance(timedelta(seconds=10))
    assert await app.dispatch() == 1
    assert len(email.sent) == 1


async def test_a_permanent_failure_parks_the_delivery_with_its_reason_and_others_go_on() -> None:
    app = FakeNotifications()
    uow, email = app.uow, app.email
    email.failures.append(DeliveryFailed("SMTP 550: no such mailbox", permanent=True))
    await app.plan(_activation_event("ev-1", "nobody@nowhere.fr"))
    await app.plan(_activation_event("ev-2", "claire@cabinet.fr"))
    await app.dispatch()
    parked = await uow.deliveries.list_by_state("parked", 10)
    assert [(d.recipient, d.last_error) for d in parked] == [
        ("nobody@nowhere.fr", "SMTP 550: no such mailbox")
    ]
    assert [m.to for m in email.sent] == ["claire@cabinet.fr"]
    assert any(isinstance(e.payload, v1.MessageFailedV1) for e in uow.outbox.events)


async def test_attempts_exhausted_park_the_delivery_and_an_operator_can_retry_it() -> None:
    app = FakeNotifications(max_attempts=2)
    uow, email = app.uow, app.email
    email.failures.extend(DeliveryFailed("down", permanent=False) for _ in range(2))
    await app.plan(_activation_event())
    await app.dispatch()
    app.clock.advance(timedelta(seconds=60))
    await app.dispatch()
    [parked] = await uow.deliveries.list_by_state("parked", 10)
    assert parked.attempts == 2
    await app.bus.handle(commands.RetryDelivery(parked.id))
    await app.dispatch()
    assert len(email.sent) == 1


async def test_an_event_of_a_type_without_planner_causes_nothing() -> None:
    app = FakeNotifications()
    event = _activation_event()
    other = IncomingEvent(
        envelope=event.envelope.model_copy(update={"type": "identity.account.activated.v1"}),
        data={},
        topic=event.topic,
        partition=0,
        offset=2,
    )
    assert await app.plan(other) == 0
