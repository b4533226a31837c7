"""identity events, version 1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.base import EventPayload, SealedSecret

ACCOUNT = "identity.account"
CABINET = "identity.cabinet"

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
