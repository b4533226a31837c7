"""Use cases of notifications: plan deliveries from events, dispatch them, operator actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from contracts.notifications import v1
from servicekit.clock import Clock
from servicekit.logging import get_logger
from servicekit.messaging import IncomingEvent
from servicekit.metrics import CONSUMER_HANDLED
from servicekit.uow import DuplicateEvent

from notifications.domain.model import (
    Delivery,
    DeliveryFailed,
    RetrySchedule,
    delivery_key,
)
from notifications.service_layer.metrics import DELIVERIES, DELIVERY_LATENCY
from notifications.service_layer.planning import PLANNERS
from notifications.service_layer.ports import (
    EmailChannel,
    NotificationsUnitOfWork,
    OutgoingEmail,
    Renderer,
    SecretOpener,
)

CONSUMER = "notifications"
_log = get_logger(__name__)


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    renderer: Renderer
    email: EmailChannel
    opener: SecretOpener
    schedule: RetrySchedule
    sending_timeout: timedelta = timedelta(seconds=30)


UowFactory = Callable[[], NotificationsUnitOfWork]


async def plan_deliveries(
    event: IncomingEvent, uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """Record the deliveries an event causes, once: inbox and deliveries in one transaction."""
    planner = PLANNERS.get(event.envelope.type)
    if planner is None:
        return 0
    planned = planner(event)
    now = deps.clock.now()
    added = 0
    try:
        async with uow:
            if await uow.inbox.seen(CONSUMER, event.envelope.id):
                CONSUMER_HANDLED.labels("notifications", CONSUMER, event.topic, "duplicate").inc()
                return 0
            for item in planned:
                delivery = Delivery(
                    id=str(uuid.uuid4()),
                    key=delivery_key(event.envelope.id, item.kind, item.recipient),
                    source_event_id=event.envelope.id,
                    kind=item.kind,
                    channel=item.channel,
                    recipient=item.recipient,
                    context=item.context,
                    sealed=item.sealed,
                    event_time=event.envelope.time,
                    created_at=now,
                    next_attempt_at=now,
                )
                added += int(await uow.deliveries.add_if_absent(delivery))
            await uow.inbox.record(CONSUMER, event.envelope.id, event.envelope.type)
            await uow.commit()
    except DuplicateEvent:
        return 0
    return added


async def dispatch_due(uow_factory: UowFactory, deps: Dependencies, limit: int = 50) -> int:
    """Send the deliveries that are due; return how many were attempted."""
    now = deps.clock.now()
    async with uow_factory() as uow:
        claimed = await uow.deliveries.claim_due(now, limit, now - deps.sending_timeout)
        await uow.commit()
    for delivery in claimed:
        await _send_one(delivery, uow_factory, deps)
    return len(claimed)


async def _send_one(delivery: Delivery, uow_factory: UowFactory, deps: Dependencies) -> None:
    if delivery.channel != "email":
        reason = f"unknown channel {delivery.channel}"
        await _record_failure(delivery, reason, True, uow_factory, deps)
        return
    try:
        context = dict(delivery.context)
        for name, sealed in delivery.sealed.items():
            context[name] = deps.opener.open(sealed)
        content = deps.renderer.render_email(delivery.kind, context)
        await deps.email.send(
            OutgoingEmail(message_id=delivery.key[:40], to=delivery.recipient, content=content)
        )
    except DeliveryFailed as exc:
        await _record_failure(delivery, exc.reason, exc.permanent, uow_factory, deps)
        return
    except Exception as exc:
        await _record_failure(delivery, repr(exc), False, uow_factory, deps)
        return
    now = deps.clock.now()
    delivery.mark_sent(now)
    async with uow_factory() as uow:
        await uow.deliveries.save(delivery)
        await uow.outbox.add(
            v1.MessageSentV1(
                message_id=delivery.id,
                kind=delivery.kind,
                channel="email",
                source_event_id=delivery.source_event_id,
                sent_at=now,
            ),
            subject=delivery.id,
        )
        await uow.commit()
    DELIVERIES.labels(delivery.kind, delivery.channel, "sent").inc()
    DELIVERY_LATENCY.labels(delivery.kind, delivery.channel).observe(
        max((now - delivery.event_time).total_seconds(), 0.0)
    )
    _log.info("delivery_sent", delivery_id=delivery.id, kind=delivery.kind, channel="email")


async def _record_failure(
    delivery: Delivery, reason: str, permanent: bool, uow_factory: UowFactory, deps: Dependencies
) -> None:
    now = deps.clock.now()
    delivery.mark_failed(now, reason, permanent=permanent, schedule=deps.schedule)
    async with uow_factory() as uow:
        await uow.deliveries.save(delivery)
        if delivery.state == "parked":
            await uow.outbox.add(
                v1.MessageFailedV1(
                    message_id=delivery.id,
                    kind=delivery.kind,
                    channel="email",
                    source_event_id=delivery.source_event_id,
                    reason=reason[:500],
                    failed_at=now,
                ),
                subject=delivery.id,
            )
        await uow.commit()
    outcome = "parked" if delivery.state == "parked" else "failed"
    DELIVERIES.labels(delivery.kind, delivery.channel, outcome).inc()
    _log.warning(
        "delivery_failed",
        delivery_id=delivery.id,
        kind=delivery.kind,
        state=delivery.state,
        attempts=delivery.attempts,
        reason=reason[:300],
    )
