"""Which deliveries an incoming event causes: one planner per event type.

A planner reads the event's payload and returns the deliveries to make (kind, channel,
recipient, the context of the template, and the sealed secrets it needs). Secrets stay sealed
until the moment of rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.identity import v1 as identity_v1
from servicekit.messaging import IncomingEvent


@dataclass(frozen=True)
class PlannedDelivery:
    kind: str
    channel: str
    recipient: str
    context: dict[str, Any]
    sealed: dict[str, str] = field(default_factory=dict)


Planner = Callable[[IncomingEvent], list[PlannedDelivery]]


def _activation_requested(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(identity_v1.AccountActivationRequestedV1)
    context: dict[str, Any] = {
        "display_name": p.display_name,
        "expires_at": p.expires_at.isoformat(),
    }
    if p.cabinet_name:
        context["cabinet_name"] = p.cabinet_name
    return [
        PlannedDelivery(
            kind=p.purpose,
            channel="email",
            recipient=p.email,
            context=context,
            sealed={"link": p.sealed_link},
        )
    ]


PLANNERS: dict[str, Planner] = {
    identity_v1.AccountActivationRequestedV1.event_type: _activation_requested,
}
