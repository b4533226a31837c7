"""notifications events, version 1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from contracts.base import EventPayload

DELIVERY = "notifications.delivery"

Channel = Literal["email", "letter"]


class MessageSentV1(EventPayload):
    """A mail was accepted by the SMTP server, or a letter handed to the letter channel."""

    event_type = "notifications.delivery.sent.v1"
    topic = DELIVERY

    message_id: str
    kind: str
    channel: Channel
    source_event_id: str
    sent_at: datetime


class MessageFailedV1(EventPayload):
    """A delivery was given up after its retries and parked for an operator."""

    event_type = "notifications.delivery.failed.v1"
    topic = DELIVERY

    message_id: str
    kind: str
    channel: Channel
    source_event_id: str
    reason: str
    failed_at: datetime


LetterStatus = Literal["queued", "printed", "posted", "returned"]


class LetterStatusChangedV1(EventPayload):
    """A letter's status at the letter channel (keyed by message id)."""

    event_type = "notifications.delivery.letter_status_changed.v1"
    topic = DELIVERY

    message_id: str
    kind: str
    source_event_id: str
    affiliate_id: str
    status: LetterStatus
    changed_at: datetime
