"""Domain events → integration events (contracts). Secrets are sealed here, and only here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.identity import v1

from identity.domain.affiliates import AffiliateChanged
from identity.domain.events import (
    AccountActivated,
    AccountRegistered,
    ActivationRequested,
    CabinetRegistered,
    DomainEvent,
)
from identity.service_layer.ports import SecretSealer


@dataclass(frozen=True)
class Outgoing:
    payload: EventPayload
    subject: str


Purpose = Literal["cabinet_activation", "assure_activation", "collaborator_invitation"]
Kind = Literal["assure", "cabinet_user", "agent"]


def to_integration(
    event: DomainEvent, sealer: SecretSealer, activation_url: str
) -> Outgoing | None:
    match event:
        case AffiliateChanged():
            return _affiliate(event)
        case CabinetRegistered():
            return Outgoing(
                v1.CabinetRegisteredV1(
                    cabinet_id=event.cabinet_id,
                    raison_sociale=event.raison_sociale,
                    siret=event.siret,
                    admin_account_id=event.admin_account_id,
                    registered_at=event.registered_at,
                ),
                subject=event.cabinet_id,
            )
        case AccountRegistered():
            return Outgoing(
                v1.AccountRegisteredV1(
                    account_id=event.account_id,
                    kind=cast(Kind, event.kind),
                    cabinet_id=event.cabinet_id,
                    registered_at=event.registered_at,
                ),
                subject=event.account_id,
            )
        case ActivationRequested():
            link = f"{activation_url}?token={event.token}"
            return Outgoing(
                v1.AccountActivationRequestedV1(
                    account_id=event.account_id,
                    kind=cast(Kind, event.kind),
                    purpose=cast(Purpose, event.purpose),
                    email=event.email,
                    display_name=event.display_name,
                    cabinet_name=event.cabinet_name,
                    sealed_link=sealer.seal(link),
                    expires_at=event.expires_at,
                ),
                subject=event.account_id,
            )
        case AccountActivated():
            return Outgoing(
                v1.AccountActivatedV1(
                    account_id=event.account_id,
                    kind=cast(Kind, event.kind),
                    cabinet_id=event.cabinet_id,
                    activated_at=event.activated_at,
                ),
                subject=event.account_id,
            )
    return None


_AFFILIATE_EVENTS: dict[str, type[v1.AffiliateStateV1]] = {
    "registered": v1.AffiliateRegisteredV1,
    "updated": v1.AffiliateUpdatedV1,
    "radiated": v1.AffiliateRadiatedV1,
}


def _affiliate(event: AffiliateChanged) -> Outgoing:
    """Event-carried state of the affilié, without the NIR."""
    a = event.affiliate
    payload = _AFFILIATE_EVENTS[event.change](
        affiliate_id=a.id,
        siren=a.siren,
        sirets=a.sirets,
        birth_name=a.birth_name,
        usage_name=a.usage_name,
        first_names=a.first_names,
        category=cast(v1.AffiliateCategory, a.category),
        address=PostalAddress.model_validate(a.address),
        departement=a.departement,
        email=a.email,
        mobile=a.mobile,
        third_party_registration_allowed=a.third_party_registration_allowed,
        affiliated_on=a.affiliated_on,
        radiated_on=a.radiated_on,
    )
    return Outgoing(payload, subject=a.id)
