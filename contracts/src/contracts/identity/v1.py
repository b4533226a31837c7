"""identity events, version 1."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from contracts.base import EventPayload, SealedSecret
from contracts.common import PostalAddress, Recipient

ACCOUNT = "identity.account"
CABINET = "identity.cabinet"
AFFILIATE = "identity.affiliate"

AccountKind = Literal["assure", "cabinet_user", "agent"]


class CabinetRegisteredV1(EventPayload):
    """An accountant firm signed up; its first administrator is ``admin_account_id``."""

    event_type = "identity.cabinet.registered.v1"
    topic = CABINET

    cabinet_id: str
    raison_sociale: str = Field(min_length=1)
    siret: str = Field(pattern=r"^[0-9]{14}$")
    admin_account_id: str
    registered_at: datetime


class AccountRegisteredV1(EventPayload):
    """An account was created (not yet active)."""

    event_type = "identity.account.registered.v1"
    topic = ACCOUNT

    account_id: str
    kind: AccountKind
    cabinet_id: str | None = None
    registered_at: datetime


class AccountActivationRequestedV1(EventPayload):
    """An activation link must be mailed to the account's owner.

    The link travels sealed: only notifications can read it.
    """

    event_type = "identity.account.activation_requested.v1"
    topic = ACCOUNT

    account_id: str
    kind: AccountKind
    purpose: Literal["cabinet_activation", "assure_activation", "collaborator_invitation"]
    email: str
    display_name: str = Field(min_length=1)
    cabinet_name: str | None = None
    sealed_link: SealedSecret
    expires_at: datetime


class AccountActivatedV1(EventPayload):
    """The account's owner used the activation link."""

    event_type = "identity.account.activated.v1"
    topic = ACCOUNT

    account_id: str
    kind: AccountKind
    cabinet_id: str | None = None
    activated_at: datetime


class AccountRegistrationAttemptedV1(EventPayload):
    """Someone tried to register a firm with the e-mail of an existing account: the answer they
    got did not tell them; the owner is told by mail instead."""

    event_type = "identity.account.registration_attempted.v1"
    topic = ACCOUNT

    account_id: str
    email: str
    display_name: str
    attempted_at: datetime


class AccountDeactivatedV1(EventPayload):
    """The owner deactivated the account: login refused, data kept."""

    event_type = "identity.account.deactivated.v1"
    topic = ACCOUNT

    account_id: str
    kind: AccountKind
    deactivated_at: datetime


class AccountEmailChangeRequestedV1(EventPayload):
    """A new e-mail address must be confirmed by a link sent to it (sealed)."""

    event_type = "identity.account.email_change_requested.v1"
    topic = ACCOUNT

    account_id: str
    new_email: str
    display_name: str = Field(min_length=1)
    sealed_link: SealedSecret
    expires_at: datetime


class AccountEmailChangedV1(EventPayload):
    """The owner confirmed a new e-mail address: it replaces the old one everywhere."""

    event_type = "identity.account.email_changed.v1"
    topic = ACCOUNT

    account_id: str
    kind: AccountKind
    email: str
    display_name: str = Field(min_length=1)
    changed_at: datetime


class AccountPasswordResetRequestedV1(EventPayload):
    """A password-reset link must be mailed (sealed)."""

    event_type = "identity.account.password_reset_requested.v1"
    topic = ACCOUNT

    account_id: str
    email: str
    display_name: str = Field(min_length=1)
    sealed_link: SealedSecret
    expires_at: datetime


CabinetUserChange = Literal[
    "user_invited", "user_activated", "user_rights_changed", "user_suspended", "user_removed"
]


class CabinetUserChangedV1(EventPayload):
    """A change to a firm's users; ``notify`` lists the other users concerned."""

    event_type = "identity.cabinet.user_changed.v1"
    topic = CABINET

    cabinet_id: str
    cabinet_name: str
    account_id: str
    user_name: str
    change: CabinetUserChange
    rights: list[str] = Field(default_factory=list)
    notify: list[Recipient] = Field(default_factory=list)
    changed_at: datetime
    invitation_accepted: bool = Field(
        default=False,
        description=(
            "With `user_activated`: the collaborator accepted the invitation (chose a password"
            " through its link), rather than being reactivated by an administrator."
        ),
    )
    version: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The user's version in the firm: one more at each change. A consumer ignores an"
            " event older than the state it holds for that user."
        ),
    )


AffiliateCategory = Literal[
    "artisan", "commercant", "micro_entrepreneur", "profession_liberale", "retraite", "ayant_droit"
]


class AffiliateStateV1(EventPayload):
    """Event-carried state of an affilié (no NIR, no secret)."""

    affiliate_id: str
    siren: str | None = Field(default=None, pattern=r"^[0-9]{9}$")
    sirets: list[str] = Field(default_factory=list)
    birth_name: str
    usage_name: str | None = None
    first_names: str
    category: AffiliateCategory
    address: PostalAddress
    departement: str = Field(pattern=r"^([0-9]{2}|2A|2B|97[1-6])$")
    email: str | None = None
    mobile: str | None = None
    third_party_registration_allowed: bool = True
    affiliated_on: date
    radiated_on: date | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_names} {self.usage_name or self.birth_name}"


class AffiliateRegisteredV1(AffiliateStateV1):
    event_type = "identity.affiliate.registered.v1"
    topic = AFFILIATE


class AffiliateUpdatedV1(AffiliateStateV1):
    event_type = "identity.affiliate.updated.v1"
    topic = AFFILIATE


class AffiliateRadiatedV1(AffiliateStateV1):
    event_type = "identity.affiliate.radiated.v1"
    topic = AFFILIATE
