"""What the api asks of attestations."""

from __future__ import annotations

from dataclasses import dataclass

from attestations.domain.eligibility import Kind
from servicekit.auth import Principal


@dataclass(frozen=True, slots=True)
class IssueAttestation:
    who: Principal
    affiliate_id: str
    kind: Kind
    year: int | None = None


@dataclass(frozen=True, slots=True)
class ReadAttestation:
    who: Principal
    attestation_id: str


@dataclass(frozen=True, slots=True)
class ListAttestations:
    """One page (from 1) of an affilié's certificates, newest first."""

    who: Principal
    affiliate_id: str
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True, slots=True)
class RevokeAttestation:
    who: Principal
    attestation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadPensionPayments:
    who: Principal
    affiliate_id: str


@dataclass(frozen=True, slots=True)
class NoticeRenewals:
    """The worker's daily look for vigilance certificates ending within ``days``."""

    days: int


@dataclass(frozen=True, slots=True)
class VerifyCode:
    code: str


Command = (
    IssueAttestation
    | ReadAttestation
    | ListAttestations
    | RevokeAttestation
    | ReadPensionPayments
    | NoticeRenewals
    | VerifyCode
)
