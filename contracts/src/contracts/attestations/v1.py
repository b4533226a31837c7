"""attestations events, version 1 (topic ``attestations.attestation``, keyed by affiliate id).

They say that a certificate exists and until when it is valid, never what it says beyond its
kind: partners check a certificate's content with its security code on the public endpoint.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from contracts.base import EventPayload

ATTESTATION = "attestations.attestation"

AttestationKind = Literal["vigilance", "paiement", "affiliation", "radiation", "fiscale"]


class AttestationIssuedV1(EventPayload):
    """A certificate was issued (its PDF is kept as issued); ``valid_until`` for a vigilance
    certificate (six months), none for the others."""

    event_type = "attestations.attestation.issued.v1"
    topic = ATTESTATION

    attestation_id: str
    affiliate_id: str
    kind: AttestationKind
    issued_at: datetime
    valid_until: date | None = None
    requested_by: Literal["assure", "cabinet_user", "agent"]


class AttestationRevokedV1(EventPayload):
    """An agent revoked a certificate: its verification now answers ``revoked``."""

    event_type = "attestations.attestation.revoked.v1"
    topic = ATTESTATION

    attestation_id: str
    affiliate_id: str
    revoked_at: datetime
    reason: str


class AttestationExpiringV1(EventPayload):
    """A vigilance certificate ends soon and no newer one was issued: the affilié is invited to
    download a new one (notifications mails them)."""

    event_type = "attestations.attestation.expiring.v1"
    topic = ATTESTATION

    attestation_id: str
    affiliate_id: str
    kind: AttestationKind
    valid_until: date
    noticed_at: datetime
