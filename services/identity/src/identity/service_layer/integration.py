"""Domain events → integration events (contracts). Secrets are sealed here, and only here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, cast

from contracts.base import EventPayload
from contracts.common import PostalAddress, Recipient
from contracts.identity import v1

from identity.domain.affiliates import AffiliateChanged
from identity.domain.events import (
    AccountActivated,
    AccountDeactivated,
    AccountRegistered,
    ActivationRequested,
    CabinetRegistered,
    CabinetUserChanged,
    DomainEvent,
    EmailChanged,
    EmailChangeRequested,
    PasswordResetRequested,
    RegistrationAttempted,
)
from identity.service_layer.ports import SecretSealer


@dataclass(frozen=True)
class Outgoing:
    payload: EventPayload
    subject: str


Purpose = Literal["cabinet_activation", "assure_activation", "collaborator_invitation"]
Kind = Literal["assure", "cabinet_user", "agent"]


class Links(Protocol):
    @property
    def activation_url(self) -> str: ...
    @property
    def password_reset_url(self) -> str: ...
    @property
    def email_confirmation_url(self) -> str: ...


def to_integration(event: DomainEvent, sealer: SecretSealer, links: Links) -> Outgoing | None:
    activation_url = links.activation_url
    match event:
        case PasswordResetRequested():
            return Outgoing(
                v1.AccountPasswordResetRequestedV1(
                    account_id=event.account_id,
                    email=event.email,
                    display_name=event.display_name,
                    sealed_link=sealer.seal(f"{links.password_reset_url}?token={event.token}"),
                    expires_at=event.expires_at,
                ),
                subject=event.account_id,
            )
        case EmailChangeRequested():
            link = f"{links.email_confirmation_url}?token={event.token}"
            return Outgoing(
                v1.AccountEmailChangeRequestedV1(
                    account_id=event.account_id,
                    new_email=event.new_email,
                    display_name=event.display_name,
                    sealed_link=sealer.seal(link),
                    expires_at=event.expires_at,
                ),
                subject=event.account_id,
            )
        case EmailChanged():
            return Outgoing(
                v1.AccountEmailChangedV1(
                    account_id=event.account_id,
                    kind=cast(Kind, event.kind),
                    email=event.email,
                    display_name=event.display_name,
                    changed_at=event.changed_at,
                ),
                subject=event.account_id,
            )
        case AffiliateChanged():
            return _affiliate(event)
        case RegistrationAttempted():
            return Outgoing(
                v1.AccountRegistrationAttemptedV1(
                    account_id=event.account_id,
                    email=event.email,
                    display_name=event.display_name,
                    attempted_at=event.attempted_at,
                ),
                subject=event.account_id,
            )
        case CabinetUserChanged():
            return Outgoing(
                v1.CabinetUserChangedV1(
                    cabinet_id=event.cabinet_id,
                    cabinet_name=event.cabinet_name,
                    account_id=event.account_id,
                    user_name=event.user_name,
                    change=cast(v1.CabinetUserChange, event.change),
                    rights=list(event.rights),
                    notify=[Recipient(email=e, display_name=n) for e, n in event.notify],
                    changed_at=event.changed_at,
                    invitation_accepted=event.invitation_accepted,
                    version=event.version,
                ),
                subject=event.cabinet_id,
            )
        case AccountDeactivated():
            return Outgoing(
                v1.AccountDeactivatedV1(
                    account_id=event.account_id,
                    kind=cast(Kind, event.kind),
                    deactivated_at=event.deactivated_at,
                ),
                subject=event.account_id,
            )
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
