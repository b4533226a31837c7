"""Domain events → the contracts published on ``attestations.attestation``."""

from __future__ import annotations

from attestations.domain import events
from contracts.attestations import v1
from contracts.base import EventPayload


def to_contract(event: events.Event) -> EventPayload:
    if isinstance(event, events.AttestationIssued):
        return v1.AttestationIssuedV1(
            attestation_id=event.attestation_id,
            affiliate_id=event.affiliate_id,
            kind=event.kind,  # type: ignore[arg-type]
            issued_at=event.issued_at,
            valid_until=event.valid_until,
            requested_by=event.requested_by,  # type: ignore[arg-type]
        )
    return v1.AttestationRevokedV1(
        attestation_id=event.attestation_id,
        affiliate_id=event.affiliate_id,
        revoked_at=event.revoked_at,
        reason=event.reason,
    )
