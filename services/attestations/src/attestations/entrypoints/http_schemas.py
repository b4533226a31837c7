"""The bodies of attestations' HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from attestations.domain.eligibility import Kind
from pydantic import BaseModel, ConfigDict, Field


class AttestationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"affiliate_id": "aff-1", "kind": "paiement", "year": 2025}]
        },
    )

    affiliate_id: str = Field(min_length=1, max_length=64)
    kind: Kind
    year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="L'année couverte (attestations de paiement et fiscale).",
    )


class AttestationRead(BaseModel):
    attestation_id: str
    affiliate_id: str
    kind: str
    title: str
    code: str = Field(description="Le code de sécurité, tel qu'imprimé (4 groupes de 4).")
    holder: str
    siren: str | None
    period: str
    statement: str
    issued_at: datetime
    valid_until: date | None
    status: Literal["valid", "expired", "revoked"]
    pdf_url: str


class AttestationList(BaseModel):
    """One page of an affilié's certificates, newest first (issue instant, then id)."""

    items: list[AttestationRead]
    total: int = Field(description="Combien d'attestations l'affilié a reçues en tout.")
    page: int = Field(description="La page rendue (à partir de 1).")
    per_page: int = Field(description="Le nombre d'attestations par page.")


class PensionPaymentRead(BaseModel):
    payment_id: str
    period: str = Field(description="Le mois payé (AAAA-MM).")
    paid_on: date
    gross: str = Field(examples=["1234.56"])
    net: str
    taxable: str


class PensionPayments(BaseModel):
    affiliate_id: str
    items: list[PensionPaymentRead]


class RevocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class VerificationRead(BaseModel):
    """What the certificate says (never more than its PDF shows) and its status."""

    status: Literal["valid", "expired", "revoked"]
    code: str
    kind: str
    title: str
    holder: str
    siren: str | None
    period: str
    statement: str
    issued_on: date
    valid_until: date | None


class ProblemRead(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class RowReportRead(BaseModel):
    row: int = Field(description="Le numéro de la ligne dans le fichier (en-tête : 1).")
    status: Literal["accepted", "corrected", "already", "refused"]
    reason: str | None = Field(default=None, description="Pourquoi, en français (refusée).")
    payment_id: str | None = None
