"""A delivery: one message of one kind to one recipient, caused by one event.

Its key (event id, kind, recipient) makes it unique: a redelivered or replayed event finds the
delivery already there and sends nothing new. States: ``pending`` → ``sending`` → ``sent``;
a failure reschedules it with back-off, or parks it (``parked``) with its reason when the
failure is permanent or the attempts are exhausted; an operator can put it back to pending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
PARKED = "parked"
SKIPPED = "skipped"
AFFILIATE_PREFIX = "affiliate:"


def affiliate_recipient(affiliate_id: str) -> str:
    """A recipient resolved at sending time from the affiliates registry (address, e-mail)."""
    return AFFILIATE_PREFIX + affiliate_id


def delivery_key(source_event_id: str, kind: str, recipient: str) -> str:
    raw = f"{source_event_id}|{kind}|{recipient.strip().lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class RetrySchedule:
    max_attempts: int = 10
    initial_s: float = 2.0
    max_s: float = 60.0

    def next_delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.max_s, self.initial_s * 2 ** max(attempts - 1, 0)))


@dataclass
class Delivery:
    id: str
    key: str
    source_event_id: str
    kind: str
    channel: str
    recipient: str
    context: dict[str, Any]
    sealed: dict[str, str]
    event_time: datetime
    created_at: datetime
    state: str = PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    optional: bool = False
    letter_status: str | None = None
    provider_ref: str | None = None
    events: list[object] = field(default_factory=list, repr=False, compare=False)

    @property
    def affiliate_id(self) -> str | None:
        if self.recipient.startswith(AFFILIATE_PREFIX):
            return self.recipient.removeprefix(AFFILIATE_PREFIX)
        return None

    def mark_sent(self, now: datetime, provider_ref: str | None = None) -> None:
        self.state = SENT
        self.attempts += 1
        self.sent_at = now
        self.last_error = None
        if self.channel == "letter":
            self.letter_status = "queued"
            self.provider_ref = provider_ref

    def mark_skipped(self, reason: str) -> None:
        """An optional message (an e-mail "when known") with no address: nothing to send."""
        self.state = SKIPPED
        self.last_error = reason

    def letter_status_changed(self, status: str) -> bool:
        if status == self.letter_status:
            return False
        self.letter_status = status
        return True

    def mark_failed(
        self, now: datetime, error: str, *, permanent: bool, schedule: RetrySchedule
    ) -> None:
        """Reschedule with back-off, or park when permanent or out of attempts."""
        self.attempts += 1
        self.last_error = error[:2000]
        if permanent or self.attempts >= schedule.max_attempts:
            self.state = PARKED
            self.next_attempt_at = None
        else:
            self.state = PENDING
            self.next_attempt_at = now + schedule.next_delay(self.attempts)

    def retry(self, now: datetime) -> None:
        """An operator sends a parked delivery again."""
        if self.state != PARKED:
            raise DeliveryNotParked(self.id)
        self.state = PENDING
        self.attempts = 0
        self.next_attempt_at = now


class DeliveryNotParked(Exception):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"La remise {delivery_id} n'est pas en attente d'intervention.")


class DeliveryFailed(Exception):
    """A channel could not deliver; ``permanent`` says whether trying again can help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
