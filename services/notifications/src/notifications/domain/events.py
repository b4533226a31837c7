"""Domain events: what happened to a delivery, recorded by :class:`~notifications.domain.model.
Delivery` in its ``events`` and turned into contracts by ``service_layer/integration.py``.

Published: :class:`DeliverySent`, :class:`DeliveryParked`, :class:`LetterStatusChanged`. The
others stay inside notifications (nobody outside needs a reschedule, a skip, an operator's
retry, or a letter superseded: the contract's letter statuses are the channel's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class DomainEvent:
    """Marker base class."""


@dataclass(frozen=True)
class DeliverySent(DomainEvent):
    """The channel accepted the message (the SMTP server, the letter folder or provider)."""

    delivery_id: str
    kind: str
    channel: str
    source_event_id: str
    sent_at: datetime


@dataclass(frozen=True)
class DeliveryRescheduled(DomainEvent):
    """A transient failure: tried again at ``next_attempt_at`` (back-off)."""

    delivery_id: str
    kind: str
    channel: str
    attempts: int
    reason: str
    next_attempt_at: datetime


@dataclass(frozen=True)
class DeliveryParked(DomainEvent):
    """Given up (a permanent refusal, or the attempts exhausted): it waits for an operator."""

    delivery_id: str
    kind: str
    channel: str
    source_event_id: str
    attempts: int
    reason: str
    parked_at: datetime


@dataclass(frozen=True)
class DeliverySkipped(DomainEvent):
    """An optional e-mail ("when known") to an affilié the registry knows no address of."""

    delivery_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class DeliveryRetried(DomainEvent):
    """An operator put a parked delivery back to pending, its attempts counted afresh."""

    delivery_id: str
    kind: str
    retried_at: datetime


@dataclass(frozen=True)
class LetterStatusChanged(DomainEvent):
    """A letter's status at its channel: ``queued`` when handed over, then ``printed``,
    ``posted`` or ``returned`` as the channel reports."""

    delivery_id: str
    kind: str
    source_event_id: str
    affiliate_id: str | None
    status: str
    changed_at: datetime


@dataclass(frozen=True)
class LetterSuperseded(DomainEvent):
    """A re-issued key replaced this letter: ``withdrawn`` (never printed: not handed over, or
    taken back from the channel) or ``superseded`` (already printed or posted)."""

    delivery_id: str
    kind: str
    source_event_id: str
    status: str
    superseded_at: datetime
