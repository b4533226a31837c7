from datetime import UTC, datetime, timedelta

from contracts.envelope import Envelope
from contracts.notifications import v1
from notifications.domain.model import DeliveryFailed, RetrySchedule
from notifications.service_layer import dispatch, handlers
from notifications_fakes import (
    ClearOpener,
    EchoRenderer,
    FakeNotificationsUow,
    RecordingEmail,
    RecordingLetters,
)
from servicekit.clock import FakeClock
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


def _setup(
    max_attempts: int = 3,
) -> tuple[FakeNotificationsUow, RecordingEmail, handlers.Dependencies, FakeClock]:
    uow, email, clock = FakeNotificationsUow(), RecordingEmail(), FakeClock()
    deps = handlers.Dependencies(
        clock=clock,
        renderer=EchoRenderer(),
        email=email,
        letters=RecordingLetters(),
        opener=ClearOpener(),
        schedule=RetrySchedule(max_attempts=max_attempts, initial_s=10, max_s=60),
    )
    return uow, email, deps, clock


async def test_an_activation_request_sends_one_mail_with_the_opened_link() -> None:
    uow, email, deps, _ = _setup()
    assert await handlers.plan_deliveries(_activation_event(), uow, deps) == 1
    assert await dispatch.dispatch_due(lambda: uow, deps) == 1
    assert len(email.sent) == 1
    assert email.sent[0].to == "claire@cabinet.fr"
    assert "https://id/activation?token=tok" in email.sent[0].content.text
    assert [type(e.payload) for e in uow.outbox.events] == [v1.MessageSentV1]


async def test_a_redelivered_event_sends_no_second_mail() -> None:
    uow, email, deps, _ = _setup()
    await handlers.plan_deliveries(_activation_event(), uow, deps)
    assert await handlers.plan_deliveries(_activation_event(), uow, deps) == 0
    await dispatch.dispatch_due(lambda: uow, deps)
    await dispatch.dispatch_due(lambda: uow, deps)
    assert len(email.sent) == 1


async def test_a_transient_failure_is_retried_after_its_back_off() -> None:
    uow, email, deps, clock = _setup()
    email.failures.append(DeliveryFailed("SMTP unreachable", permanent=False))
    await handlers.plan_deliveries(_activation_event(), uow, deps)
    await dispatch.dispatch_due(lambda: uow, deps)
    assert email.sent == []
    assert await dispatch.dispatch_due(lambda: uow, deps) == 0
    clock.advance(timedelta(seconds=10))
    assert await dispatch.dispatch_due(lambda: uow, deps) == 1
    assert len(email.sent) == 1


async def test_a_permanent_failure_parks_the_delivery_with_its_reason_and_others_go_on() -> None:
    uow, email, deps, _ = _setup()
    email.failures.append(DeliveryFailed("SMTP 550: no such mailbox", permanent=True))
    await handlers.plan_deliveries(_activation_event("ev-1", "nobody@nowhere.fr"), uow, deps)
    await handlers.plan_deliveries(_activation_event("ev-2", "claire@cabinet.fr"), uow, deps)
    await dispatch.dispatch_due(lambda: uow, deps)
    parked = await uow.deliveries.list_by_state("parked", 10)
    assert [(d.recipient, d.last_error) for d in parked] == [
        ("nobody@nowhere.fr", "SMTP 550: no such mailbox")
    ]
    assert [m.to for m in email.sent] == ["claire@cabinet.fr"]
    assert any(isinstance(e.payload, v1.MessageFailedV1) for e in uow.outbox.events)


async def test_attempts_exhausted_park_the_delivery_and_an_operator_can_retry_it() -> None:
    from notifications.service_layer import operators

    uow, email, deps, clock = _setup(max_attempts=2)
    email.failures.extend(DeliveryFailed("down", permanent=False) for _ in range(2))
    await handlers.plan_deliveries(_activation_event(), uow, deps)
    await dispatch.dispatch_due(lambda: uow, deps)
    clock.advance(timedelta(seconds=60))
    await dispatch.dispatch_due(lambda: uow, deps)
    [parked] = await uow.deliveries.list_by_state("parked", 10)
    assert parked.attempts == 2
    await operators.retry_delivery(lambda: uow, deps, parked.id)
    await dispatch.dispatch_due(lambda: uow, deps)
    assert len(email.sent) == 1


async def test_an_event_of_a_type_without_planner_causes_nothing() -> None:
    uow, _email, deps, _ = _setup()
    event = _activation_event()
    other = IncomingEvent(
        envelope=event.envelope.model_copy(update={"type": "identity.account.activated.v1"}),
        data={},
        topic=event.topic,
        partition=0,
        offset=2,
    )
    assert await handlers.plan_deliveries(other, uow, deps) == 0
