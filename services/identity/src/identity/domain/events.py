"""Domain events: facts recorded by the aggregates, turned into contracts by integration.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class DomainEvent:
    """Marker base class."""


@dataclass(frozen=True)
class CabinetRegistered(DomainEvent):
    cabinet_id: str
    raison_sociale: str
    siret: str
    admin_account_id: str
    registered_at: datetime


@dataclass(frozen=True)
class AccountRegistered(DomainEvent):
    account_id: str
    kind: str
    cabinet_id: str | None
    registered_at: datetime


@dataclass(frozen=True)
class ActivationRequested(DomainEvent):
    """Carries the plain activation token in memory only: it is sealed before it leaves."""

    account_id: str
    kind: str
    purpose: str
    email: str
    display_name: str
    cabinet_name: str | None
    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"ActivationRequested(account_id={self.account_id!r}, purpose={self.purpose!r})"


@dataclass(frozen=True)
class AccountActivated(DomainEvent):
    account_id: str
    kind: str
    cabinet_id: str | None
    activated_at: datetime


@dataclass(frozen=True)
class PasswordResetRequested(DomainEvent):
    account_id: str
    email: str
    display_name: str
    token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class EmailChangeRequested(DomainEvent):
    account_id: str
    new_email: str
    display_name: str
    token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class EmailChanged(DomainEvent):
    account_id: str
    kind: str
    email: str
    display_name: str
    changed_at: datetime


@dataclass(frozen=True)
class AccountDeactivated(DomainEvent):
    account_id: str
    kind: str
    deactivated_at: datetime


@dataclass(frozen=True)
class CabinetUserChanged(DomainEvent):
    cabinet_id: str
    cabinet_name: str
    account_id: str
    user_name: str
    change: str
    rights: tuple[str, ...]
    notify: tuple[tuple[str, str], ...]
    changed_at: datetime
    version: int | None = None
    invitation_accepted: bool = False
    """With ``user_activated``: the collaborator accepted the invitation through its link."""


@dataclass(frozen=True)
class RegistrationAttempted(DomainEvent):
    """Someone signed a firm up with the e-mail of this account: the answer did not say so;
    the owner is told by mail."""

    account_id: str
    email: str
    display_name: str
    attempted_at: datetime
