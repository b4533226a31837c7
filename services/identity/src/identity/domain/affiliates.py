"""The affiliates registry: the people and businesses the body knows.

Fed by the business registry's feed: a record for an unknown SIREN registers an affilié, one
for a known SIREN updates it, a record with a radiation date radiates it. Each change records
an event carrying the affilié's state (never the NIR).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from identity.domain.events import DomainEvent


@dataclass(frozen=True)
class AffiliateChanged(DomainEvent):
    change: str  # registered, updated, radiated
    affiliate: Affiliate


@dataclass
class Affiliate:
    id: str
    siren: str
    sirets: list[str]
    nir: str = field(repr=False)
    birth_name: str
    usage_name: str | None
    first_names: str
    birth_date: date
    category: str
    address: dict[str, Any]
    departement: str
    email: str | None
    mobile: str | None
    affiliated_on: date
    radiated_on: date | None = None
    third_party_registration_allowed: bool = True
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    STATE = (
        "sirets", "nir", "birth_name", "usage_name", "first_names", "birth_date", "category",
        "address", "departement", "email", "mobile", "affiliated_on",
    )  # fmt: skip

    def record(self, change: str) -> None:
        self.events.append(AffiliateChanged(change, self))

    def update_from(self, other: Affiliate) -> bool:
        """Take the registry's newer state; return whether anything changed."""
        changed = False
        for name in self.STATE:
            if getattr(self, name) != getattr(other, name):
                setattr(self, name, getattr(other, name))
                changed = True
        if changed:
            self.record("updated")
        return changed

    def radiate(self, on: date) -> bool:
        if self.radiated_on == on:
            return False
        self.radiated_on = on
        self.record("radiated")
        return True

    def change_contact(
        self, address: dict[str, Any] | None, departement: str | None, mobile: str | None
    ) -> bool:
        """The assuré's own change of address or mobile, kept in the registry and published."""
        changed = False
        if address is not None and (address != self.address or departement != self.departement):
            self.address, self.departement, changed = address, departement or self.departement, True
        if mobile is not None and mobile != self.mobile:
            self.mobile, changed = mobile, True
        if changed:
            self.record("updated")
        return changed

    def set_consent(self, allowed: bool) -> bool:
        """« L'inscription de votre Siren par un tiers déclarant est autorisée »."""
        if allowed == self.third_party_registration_allowed:
            return False
        self.third_party_registration_allowed = allowed
        self.record("updated")
        return True
