"""A certificate once issued: immutable (its PDF bytes are kept), revocable by an agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from attestations.domain import events

Status = Literal["valid", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class AffiliateRecord:
    """What the registry says of an affilié (the read model fed by identity)."""

    affiliate_id: str
    category: str
    holder: str
    siren: str | None
    affiliated_on: date
    radiated_on: date | None


@dataclass(frozen=True, slots=True)
class PaidInYear:
    year: int
    total: Decimal
    payments: int


@dataclass(frozen=True, slots=True)
class PensionsInYear:
    year: int
    gross: Decimal
    net: Decimal
    taxable: Decimal
    payments: int


PensionOutcome = Literal["added", "corrected", "same"]
"""What a pension payment's record did: kept for the first time, corrected the one kept (the
fund's correction: same reference, other amounts), or changed nothing."""


@dataclass(frozen=True, slots=True)
class PensionPayment:
    payment_id: str
    period: str
    paid_on: date
    gross: Decimal
    net: Decimal
    taxable: Decimal


@dataclass(frozen=True, slots=True)
class Content:
    """What a certificate says: the lines its PDF prints and its verification shows."""

    kind: str
    title: str
    holder: str
    siren: str | None
    period: str
    statement: str
    issued_on: date
    valid_until: date | None


@dataclass
class Attestation:
    attestation_id: str
    code: str
    """The security code's 16 symbols (printed grouped)."""
    affiliate_id: str
    content: Content
    issued_at: datetime
    key_id: str
    payload: str
    pdf: bytes
    revoked_at: datetime | None = None
    events: list[events.Event] = field(default_factory=list, repr=False, compare=False)

    def status(self, today: date) -> Status:
        if self.revoked_at is not None:
            return "revoked"
        until = self.content.valid_until
        if until is not None and today > until:
            return "expired"
        return "valid"

    def issued(self, requested_by: str) -> None:
        self.events.append(
            events.AttestationIssued(
                self.attestation_id,
                self.affiliate_id,
                self.content.kind,
                self.issued_at,
                self.content.valid_until,
                requested_by,
            )
        )

    def revoke(self, at: datetime, reason: str) -> None:
        if self.revoked_at is not None:
            return
        self.revoked_at = at
        self.events.append(
            events.AttestationRevoked(self.attestation_id, self.affiliate_id, at, reason)
        )
