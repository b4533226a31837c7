"""Inbound feeds of partner systems, version 1.

``partners.registry.affiliation`` (keyed by SIREN) is published by the business registry: a
record for an unknown SIREN creates an affilié, one for a known SIREN updates it, and a record
with ``radiated_on`` closes it.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.identity.v1 import AffiliateCategory

REGISTRY_AFFILIATION = "partners.registry.affiliation"


class RegistryAffiliationV1(EventPayload):
    """One affiliation record of the business registry."""

    event_type = "partners.registry.affiliation.recorded.v1"
    topic = REGISTRY_AFFILIATION

    siren: str = Field(description="9 digits, Luhn key (La Poste exception).")
    sirets: list[str] = Field(default_factory=list)
    nir: str = Field(description="15 characters with the key; Corsica 2A/2B accepted.")
    birth_name: str = Field(min_length=1)
    usage_name: str | None = None
    first_names: str = Field(min_length=1)
    birth_date: date
    category: AffiliateCategory
    address: PostalAddress
    departement: str
    email: str | None = None
    mobile: str | None = None
    affiliated_on: date
    radiated_on: date | None = None


PENSIONS_PAYMENT = "partners.pensions.payment"


class PensionPaymentV1(EventPayload):
    """One pension payment of the pension fund (keyed by the pensioner's id, which is the
    affilié's id on the platform). Amounts are decimal strings (EUR)."""

    event_type = "partners.pensions.payment.paid.v1"
    topic = PENSIONS_PAYMENT

    pensioner_id: str
    payment_id: str = Field(description="The fund's reference of the payment, unique.")
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="The month paid.")
    paid_on: date
    gross: str = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    net: str = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    taxable: str = Field(pattern=r"^[0-9]+\.[0-9]{2}$", description="Net taxable amount.")
