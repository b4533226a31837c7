"""Domain events → integration events (``contracts.notifications.v1``) and the outbox rows that
carry them, in this module only. Every row is keyed by the delivery's id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from contracts.notifications import v1
from servicekit.outbox import Outgoing

from notifications.domain.events import (
    DeliveryParked,
    DeliveryRescheduled,
    DeliveryRetried,
    DeliverySent,
    DeliverySkipped,
    DomainEvent,
    LetterStatusChanged,
    LetterSuperseded,
)
from notifications.domain.model import Delivery
from notifications.service_layer.ports import NotificationsUnitOfWork

REASON_MAX = 500
"""The reason a parked delivery's event carries is cut to this many characters."""


def to_integration(event: DomainEvent) -> Outgoing | None:
    """The contract payload of a domain event, or None for one notifications keeps to itself."""
    match event:
        case DeliverySent():
            return Outgoing(
                v1.MessageSentV1(
                    message_id=event.delivery_id,
                    kind=event.kind,
                    channel=cast(v1.Channel, event.channel),
                    source_event_id=event.source_event_id,
                    sent_at=event.sent_at,
                ),
                subject=event.delivery_id,
            )
        case DeliveryParked():
            return Outgoing(
                v1.MessageFailedV1(
                    message_id=event.delivery_id,
                    kind=event.kind,
                    channel=cast(v1.Channel, event.channel),
                    source_event_id=event.source_event_id,
                    reason=event.reason[:REASON_MAX],
                    failed_at=event.parked_at,
                ),
                subject=event.delivery_id,
            )
        case LetterStatusChanged():
            return Outgoing(
                v1.LetterStatusChangedV1(
                    message_id=event.delivery_id,
                    kind=event.kind,
                    source_event_id=event.source_event_id,
                    affiliate_id=event.affiliate_id or "",
                    status=cast(v1.LetterStatus, event.status),
                    changed_at=event.changed_at,
                ),
                subject=event.delivery_id,
            )
        case DeliveryRescheduled() | DeliverySkipped() | DeliveryRetried() | LetterSuperseded():
            return None
    raise TypeError(f"no integration event for {type(event).__name__}")


def outgoing(deliveries: Iterable[Delivery]) -> list[Outgoing]:
    """The outbox rows of what the deliveries recorded, in order; their events are cleared."""
    rows: list[Outgoing] = []
    for delivery in deliveries:
        for event in delivery.events:
            row = to_integration(event)
            if row is not None:
                rows.append(row)
        delivery.events.clear()
    return rows


async def publish(uow: NotificationsUnitOfWork, deliveries: Iterable[Delivery]) -> None:
    """Add the events the deliveries recorded to the outbox, in ``uow``'s transaction."""
    rows = outgoing(deliveries)
    if rows:
        await uow.outbox.add_many(rows)
