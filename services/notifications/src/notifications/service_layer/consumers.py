"""What notifications' worker does with the events it consumes: the trigger events plan
deliveries (``planning.py`` says which), the registry's events keep the affiliates directory.
Each event is applied once (the inbox), in the same transaction as its effect; the events of
one fetch together, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from contracts.identity import v1 as identity_v1
from servicekit.messaging import IncomingEvent
from servicekit.metrics import CONSUMER_HANDLED
from servicekit.uow import consume_batch, consume_once

from notifications.domain.directory import AffiliateContact
from notifications.domain.model import Delivery
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.planning import PLANNERS
from notifications.service_layer.ports import NotificationsUnitOfWork

CONSUMER = "notifications"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


def _deliveries(event: IncomingEvent, deps: Dependencies) -> list[Delivery]:
    """The deliveries an event causes (none for a type nobody is told of)."""
    planner = PLANNERS.get(event.envelope.type)
    if planner is None:
        return []
    now = deps.clock.now()
    return [
        Delivery.plan(
            delivery_id=str(uuid.uuid4()),
            source_event_id=event.envelope.id,
            event_time=event.envelope.time,
            kind=item.kind,
            channel=item.channel,
            recipient=item.recipient,
            context=item.context,
            sealed=item.sealed,
            optional=item.optional,
            now=now,
        )
        for item in planner(event)
    ]


async def plan_deliveries(
    event: IncomingEvent, uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """Record the deliveries an event causes, once: inbox and deliveries in one transaction."""
    if event.envelope.type not in PLANNERS:
        return 0
    deliveries = _deliveries(event, deps)

    async def effect(u: NotificationsUnitOfWork) -> int:
        return await u.deliveries.add_all_if_absent(deliveries)

    added = await consume_once(uow, CONSUMER, event, effect)
    if added is None:
        CONSUMER_HANDLED.labels("notifications", CONSUMER, event.topic, "duplicate").inc()
        return 0
    return added


async def plan_deliveries_batch(
    events: Sequence[IncomingEvent], uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """:func:`plan_deliveries` for the events of one fetch, in one transaction: the deliveries
    of every new event are written by one statement. Returns how many were planned."""
    planned = [e for e in events if e.envelope.type in PLANNERS]
    staged: list[Delivery] = []

    async def effect(u: NotificationsUnitOfWork, event: IncomingEvent) -> None:
        staged.extend(_deliveries(event, deps))

    async def flush(u: NotificationsUnitOfWork) -> None:
        await u.deliveries.add_all_if_absent(staged)

    if planned:
        await consume_batch(uow, CONSUMER, planned, effect, flush)
    return len(staged)


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


async def _keep_contact(u: NotificationsUnitOfWork, event: IncomingEvent) -> None:
    p = event.payload(identity_v1.AffiliateRegisteredV1)
    await u.affiliates.put_unless_newer(_contact(p, event))


async def record_affiliate(event: IncomingEvent, uow: NotificationsUnitOfWork) -> None:
    """Keep the registry's name, address and e-mail of an affilié (the only source of them)."""
    if event.envelope.type not in AFFILIATE_TYPES:
        return
    event.payload(identity_v1.AffiliateRegisteredV1)  # a malformed one is a poison message

    async def effect(u: NotificationsUnitOfWork) -> None:
        await _keep_contact(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def record_affiliates(events: Sequence[IncomingEvent], uow: NotificationsUnitOfWork) -> None:
    """:func:`record_affiliate` for the events of one fetch, in one transaction."""
    kept = [e for e in events if e.envelope.type in AFFILIATE_TYPES]
    if kept:
        await consume_batch(uow, CONSUMER, kept, _keep_contact)
