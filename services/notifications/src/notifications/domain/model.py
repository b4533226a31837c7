"""A delivery: one message of one kind to one recipient, caused by one event.

Its key (event id, kind, recipient) makes it unique: a redelivered or replayed event finds the
delivery already there and sends nothing new. States::

    pending ──claim──▶ sending ──accepted──▶ sent
       ▲                  │ transient failure, attempts left: back to pending, with back-off
       │                  │ permanent failure, or the last attempt:  parked
       │                  │ optional e-mail, no address known:       skipped
       └──operator retry── parked

The dispatcher's claim (``pending`` → ``sending``) is one SQL statement
(``adapters/repository.py::claim_due``); a delivery still ``sending`` when claimed was left by
a worker that stopped before recording its outcome: it is *in doubt*, and sent again under the
same :attr:`Delivery.email_message_id` (or, for a letter, the same delivery id).

Each transition is guarded (an impossible one raises :class:`DeliveryStateConflict`) and
records its domain event in ``events``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notifications.domain.errors import DeliveryNotParked, DeliveryStateConflict
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
from notifications.domain.letters import IN_TRANSIT, LETTER_STATUSES, SUPERSEDED, WITHDRAWN

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
PARKED = "parked"
SKIPPED = "skipped"
STATES = (PENDING, SENDING, SENT, PARKED, SKIPPED)
CLAIMED = frozenset({PENDING, SENDING})
"""The states a claimed delivery may be in when its outcome is recorded (``pending`` as read by
the claim, ``sending`` when in doubt)."""
EMAIL, LETTER = "email", "letter"
AFFILIATE_PREFIX = "affiliate:"


def affiliate_recipient(affiliate_id: str) -> str:
    """A recipient resolved at sending time from the affiliates registry (address, e-mail)."""
    return AFFILIATE_PREFIX + affiliate_id


def delivery_key(source_event_id: str, kind: str, recipient: str) -> str:
    raw = f"{source_event_id}|{kind}|{recipient.strip().lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class RetrySchedule:
    """Retries of a transient failure: exponential back-off from ``initial_s``, at most
    ``max_s`` apart; the ``max_attempts``-th failure parks the delivery."""

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
    claim: datetime | None = field(default=None, compare=False)
    """The claim this copy holds on it (the ``claimed_at`` it wrote): its writes apply only
    while the row still carries that claim, so a copy whose claim was taken over after the
    sending timeout (another copy saw it stale) sends nothing and records nothing."""
    events: list[DomainEvent] = field(default_factory=list, init=False, repr=False, compare=False)

    @classmethod
    def plan(
        cls,
        *,
        delivery_id: str,
        source_event_id: str,
        event_time: datetime,
        kind: str,
        channel: str,
        recipient: str,
        context: dict[str, Any],
        sealed: dict[str, str],
        optional: bool,
        now: datetime,
    ) -> Delivery:
        """A new delivery, due at once, keyed by (event id, kind, recipient)."""
        return cls(
            id=delivery_id,
            key=delivery_key(source_event_id, kind, recipient),
            source_event_id=source_event_id,
            kind=kind,
            channel=channel,
            recipient=recipient,
            context=context,
            sealed=sealed,
            event_time=event_time,
            created_at=now,
            next_attempt_at=now,
            optional=optional,
        )

    @property
    def affiliate_id(self) -> str | None:
        if self.recipient.startswith(AFFILIATE_PREFIX):
            return self.recipient.removeprefix(AFFILIATE_PREFIX)
        return None

    @property
    def in_doubt(self) -> bool:
        """Claimed while still ``sending``: its last hand-over may have been accepted."""
        return self.state == SENDING

    @property
    def email_message_id(self) -> str:
        """The Message-ID of its e-mail, derived from the key: the same at every attempt, so
        that a mail store folds a copy sent again in doubt."""
        return self.key[:40]

    def _require(self, allowed: frozenset[str], action: str) -> None:
        if self.state not in allowed:
            raise DeliveryStateConflict(self.id, self.state, action)

    def mark_sent(self, now: datetime, provider_ref: str | None = None) -> None:
        """The channel accepted it; a letter is then ``queued`` at its channel."""
        self._require(CLAIMED, "send")
        self.state = SENT
        self.attempts += 1
        self.sent_at = now
        self.last_error = None
        self.events.append(
            DeliverySent(self.id, self.kind, self.channel, self.source_event_id, sent_at=now)
        )
        if self.channel == LETTER:
            self.letter_status = "queued"
            self.provider_ref = provider_ref
            if self.affiliate_id is not None:
                self._letter_status_changed(now)

    def mark_skipped(self, reason: str) -> None:
        """An optional message (an e-mail "when known") with no address: nothing to send."""
        self._require(CLAIMED, "skip")
        self.state = SKIPPED
        self.last_error = reason
        self.events.append(DeliverySkipped(self.id, self.kind, reason))

    def mark_failed(
        self, now: datetime, error: str, *, permanent: bool, schedule: RetrySchedule
    ) -> None:
        """Reschedule with back-off, or park when permanent or out of attempts."""
        self._require(CLAIMED, "record a failure")
        self.attempts += 1
        self.last_error = error[:2000]
        if permanent or self.attempts >= schedule.max_attempts:
            self.state = PARKED
            self.next_attempt_at = None
            self.events.append(
                DeliveryParked(
                    self.id,
                    self.kind,
                    self.channel,
                    self.source_event_id,
                    self.attempts,
                    self.last_error,
                    parked_at=now,
                )
            )
        else:
            self.state = PENDING
            self.next_attempt_at = now + schedule.next_delay(self.attempts)
            self.events.append(
                DeliveryRescheduled(
                    self.id,
                    self.kind,
                    self.channel,
                    self.attempts,
                    self.last_error,
                    self.next_attempt_at,
                )
            )

    def retry(self, now: datetime) -> None:
        """An operator sends a parked delivery again."""
        if self.state != PARKED:
            raise DeliveryNotParked(self.id, self.state)
        self.state = PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.events.append(DeliveryRetried(self.id, self.kind, retried_at=now))

    def change_letter_status(self, status: str, now: datetime) -> bool:
        """The channel's status of a letter sent; whether it changed (a change is recorded)."""
        if self.channel != LETTER or self.state != SENT:
            raise DeliveryStateConflict(self.id, self.state, "follow a letter")
        if status not in LETTER_STATUSES:
            raise ValueError(f"unknown letter status {status!r}")
        if status == self.letter_status:
            return False
        self.letter_status = status
        self._letter_status_changed(now)
        return True

    @property
    def replaced(self) -> bool:
        """A letter already withdrawn or shown superseded by a re-issued key."""
        return self.letter_status in (WITHDRAWN, SUPERSEDED)

    def supersede(self, now: datetime, *, taken_back: bool = False) -> None:
        """A re-issued key replaces this letter. Not handed over yet (pending or parked): it is
        never sent (``skipped``, ``withdrawn``). Handed over: ``withdrawn`` if the channel took
        it back (``taken_back``) before printing, ``superseded`` otherwise. The claim's own
        copy (``pending`` as read) may be superseded too; one being handed over may not."""
        if self.channel != LETTER:
            raise DeliveryStateConflict(self.id, self.state, "supersede a letter")
        if self.replaced:
            return
        if self.state in (PENDING, PARKED):
            self.state = SKIPPED
            self.next_attempt_at = None
            self.last_error = "superseded by a re-issued key"
            self.letter_status = WITHDRAWN
        elif self.state == SENT:
            in_transit = self.letter_status in IN_TRANSIT
            self.letter_status = WITHDRAWN if taken_back and in_transit else SUPERSEDED
        else:
            raise DeliveryStateConflict(self.id, self.state, "supersede a letter")
        self.events.append(
            LetterSuperseded(
                self.id, self.kind, self.source_event_id, self.letter_status, superseded_at=now
            )
        )

    def _letter_status_changed(self, now: datetime) -> None:
        self.events.append(
            LetterStatusChanged(
                self.id,
                self.kind,
                self.source_event_id,
                self.affiliate_id,
                str(self.letter_status),
                changed_at=now,
            )
        )
