"""Use cases of notifications: record deliveries from events, keep the affiliates directory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from contracts.identity import v1 as identity_v1
from servicekit.clock import Clock
from servicekit.messaging import IncomingEvent
from servicekit.metrics import CONSUMER_HANDLED
from servicekit.uow import consume_once

from notifications.domain.directory import AffiliateContact
from notifications.domain.model import Delivery, RetrySchedule, delivery_key
from notifications.service_layer.planning import PLANNERS
from notifications.service_layer.ports import (
    EmailChannel,
    LetterChannel,
    NotificationsUnitOfWork,
    Renderer,
    SecretOpener,
)

CONSUMER = "notifications"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    renderer: Renderer
    email: EmailChannel
    letters: LetterChannel
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

    async def effect(u: NotificationsUnitOfWork) -> int:
        added = 0
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
                optional=item.optional,
            )
            added += int(await u.deliveries.add_if_absent(delivery))
        return added

    added = await consume_once(uow, CONSUMER, event, effect)
    if added is None:
        CONSUMER_HANDLED.labels("notifications", CONSUMER, event.topic, "duplicate").inc()
        return 0
    return added


def _contact(p: identity_v1.AffiliateStateV1, event: IncomingEvent) -> AffiliateContact:
    address = p.address
    return AffiliateContact(
        affiliate_id=p.affiliate_id,
        display_name=p.display_name,
        address_lines=(*address.lines, f"{address.postal_code} {address.city}"),
        email=p.email,
        radiated=event.envelope.type == identity_v1.AffiliateRadiatedV1.event_type,
        updated_at=event.envelope.time,
    )


async def record_affiliate(event: IncomingEvent, uow: NotificationsUnitOfWork) -> None:
    """Keep the registry's name, address and e-mail of an affilié (the only source of them)."""
    if event.envelope.type not in AFFILIATE_TYPES:
        return
    p = event.payload(identity_v1.AffiliateRegisteredV1)

    async def effect(u: NotificationsUnitOfWork) -> None:
        current = await u.affiliates.get(p.affiliate_id)
        if current is None or current.updated_at <= event.envelope.time:
            await u.affiliates.put(_contact(p, event))

    await consume_once(uow, CONSUMER, event, effect)
