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
