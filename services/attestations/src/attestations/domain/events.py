"""Domain events of attestations (turned into contracts by ``service_layer.integration``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class AttestationIssued:
    attestation_id: str
    affiliate_id: str
    kind: str
    issued_at: datetime
    valid_until: date | None
    requested_by: str


@dataclass(frozen=True, slots=True)
class AttestationRevoked:
    attestation_id: str
    affiliate_id: str
    revoked_at: datetime
    reason: str


Event = AttestationIssued | AttestationRevoked
