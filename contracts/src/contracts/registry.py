"""Every payload class by its CloudEvents type, for parsing and schema generation."""

from __future__ import annotations

from contracts.base import EventPayload
from contracts.identity import v1 as identity_v1
from contracts.notifications import v1 as notifications_v1

PAYLOADS: tuple[type[EventPayload], ...] = (
    identity_v1.CabinetRegisteredV1,
    identity_v1.AccountRegisteredV1,
    identity_v1.AccountActivationRequestedV1,
    identity_v1.AccountActivatedV1,
    notifications_v1.MessageSentV1,
    notifications_v1.MessageFailedV1,
)

BY_TYPE: dict[str, type[EventPayload]] = {cls.event_type: cls for cls in PAYLOADS}


def payload_class(event_type: str) -> type[EventPayload]:
    """The payload class of an event type; ``KeyError`` when the type is unknown."""
    return BY_TYPE[event_type]
