"""Aggregates of identity. They change state, record their events, and never call out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from identity.domain import errors
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

ALL_RIGHTS = frozenset({"admin", "clients", "declare", "pay", "read"})
CABINET_ACTIVATION_TTL = timedelta(hours=48)
PASSWORD_RESET_TTL = timedelta(hours=1)
EMAIL_CHANGE_TTL = timedelta(hours=24)
COLLABORATOR_INVITATION_TTL = timedelta(hours=24)
ACTIVATION_PURPOSES = frozenset(
    {"cabinet_activation", "assure_activation", "collaborator_invitation"}
)
ASSURE_ACTIVATION_TTL = timedelta(hours=48)
SIGNUP_ATTEMPTS_PER_NIR = 5
SIGNUP_WINDOW = timedelta(hours=24)
"""An assuré's sign-up: past ``SIGNUP_ATTEMPTS_PER_NIR`` attempts on one NIR within
``SIGNUP_WINDOW``, every attempt on it gets the mismatch answer, right facts or not."""
NO_PASSWORD_PREFIX = "!"  # noqa: S105 - a marker, not a secret
"""A stored password hash starting with it is a placeholder: no password chosen yet."""


def token_hash(token: str) -> str:
    """Activation and refresh tokens are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class ActivationToken:
    token_hash: str
    account_id: str
    purpose: str
    expires_at: datetime
    used_at: datetime | None = None
    new_email: str | None = None

    def use(self, now: datetime) -> None:
        if self.used_at is not None:
            raise errors.ActivationLinkUsed(self.purpose)
        if now >= self.expires_at:
            raise errors.ActivationLinkExpired(self.purpose)
        self.used_at = now


@dataclass
class Account:
    id: str
    kind: str
    email: str
    display_name: str
    password_hash: str
    status: str
    created_at: datetime
    cabinet_id: str | None = None
    rights: frozenset[str] = frozenset()
    activated_at: datetime | None = None
    affiliate_id: str | None = None
    category: str | None = None
    version: int = 0
    """One more at each change of a firm user published to the others (rights, status)."""
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    def has_password(self) -> bool:
        """False until an invited user chooses one (the placeholder is not a hash)."""
        return not self.password_hash.startswith(NO_PASSWORD_PREFIX)

    def change_rights(self, rights: frozenset[str]) -> bool:
        if rights == self.rights:
            return False
        self.rights = rights
        return True

    def suspend(self) -> None:
        if self.status not in ("active", "pending"):
            raise errors.UserStateConflict("Seul un accès actif ou en attente peut être suspendu.")
        self.status = "suspended"

    def reactivate(self) -> None:
        if self.status != "suspended":
            raise errors.UserStateConflict("Seul un accès suspendu peut être réactivé.")
        self.status = "active" if self.activated_at else "pending"

    def remove(self) -> None:
        self.status = "removed"

    def registration_attempted(self, now: datetime) -> None:
        """Someone tried to sign a firm up with this account's e-mail."""
        self.events.append(RegistrationAttempted(self.id, self.email, self.display_name, now))

    def deactivate(self, now: datetime) -> None:
        """« Désactiver son compte »: login refused afterwards, data kept."""
        if self.status != "deactivated":
            self.status = "deactivated"
            self.events.append(AccountDeactivated(self.id, self.kind, now))

    def activate(self, now: datetime) -> None:
        if self.status == "active":
            raise errors.AccountAlreadyActive
        self.status = "active"
        self.activated_at = now
        self.events.append(AccountActivated(self.id, self.kind, self.cabinet_id, now))


@dataclass
class Cabinet:
    id: str
    raison_sociale: str
    siret: str
    address: str
    created_at: datetime
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def register(
        cls,
        *,
        cabinet_id: str,
        raison_sociale: str,
        siret: str,
        address: str,
        admin: Account,
        activation_token: str,
        now: datetime,
    ) -> tuple[Cabinet, ActivationToken]:
        """A firm signs up with its first administrator, who must activate by e-mail."""
        cabinet = cls(cabinet_id, raison_sociale, siret, address, now)
        expires_at = now + CABINET_ACTIVATION_TTL
        cabinet.events.extend(
            [
                CabinetRegistered(cabinet_id, raison_sociale, siret, admin.id, now),
                AccountRegistered(admin.id, admin.kind, cabinet_id, now),
                ActivationRequested(
                    account_id=admin.id,
                    kind=admin.kind,
                    purpose="cabinet_activation",
                    email=admin.email,
                    display_name=admin.display_name,
                    cabinet_name=raison_sociale,
                    token=activation_token,
                    expires_at=expires_at,
                ),
            ]
        )
        token = ActivationToken(
            token_hash(activation_token), admin.id, "cabinet_activation", expires_at
        )
        return cabinet, token


def request_activation(
    account: Account, purpose: str, token: str, ttl: timedelta, now: datetime, cabinet: str | None
) -> ActivationToken:
    """A new single-use activation link for ``account``; the plain token leaves in the event."""
    expires_at = now + ttl
    account.events.append(
        ActivationRequested(
            account_id=account.id,
            kind=account.kind,
            purpose=purpose,
            email=account.email,
            display_name=account.display_name,
            cabinet_name=cabinet,
            token=token,
            expires_at=expires_at,
        )
    )
    return ActivationToken(token_hash(token), account.id, purpose, expires_at)


def request_password_reset(account: Account, token: str, now: datetime) -> ActivationToken:
    expires_at = now + PASSWORD_RESET_TTL
    account.events.append(
        PasswordResetRequested(account.id, account.email, account.display_name, token, expires_at)
    )
    return ActivationToken(token_hash(token), account.id, "password_reset", expires_at)


def confirm_email_change(account: Account, new_email: str, now: datetime) -> None:
    """The confirmed address replaces the old one; the services that write to it are told."""
    account.email = new_email
    account.events.append(
        EmailChanged(account.id, account.kind, new_email, account.display_name, now)
    )


def request_email_change(
    account: Account, new_email: str, token: str, now: datetime
) -> ActivationToken:
    expires_at = now + EMAIL_CHANGE_TTL
    account.events.append(
        EmailChangeRequested(account.id, new_email, account.display_name, token, expires_at)
    )
    return ActivationToken(
        token_hash(token), account.id, "email_change", expires_at, new_email=new_email
    )


def cabinet_user_changed(
    cabinet: Cabinet,
    user: Account,
    change: str,
    users: list[Account],
    actor_id: str,
    now: datetime,
    *,
    invitation_accepted: bool = False,
) -> CabinetUserChanged:
    """A change of a firm user, one version more, for the firm's other live users."""
    user.version += 1
    notify = tuple(
        (u.email, u.display_name)
        for u in users
        if u.id not in (actor_id, user.id) and u.status == "active"
    )
    return CabinetUserChanged(
        cabinet_id=cabinet.id,
        cabinet_name=cabinet.raison_sociale,
        account_id=user.id,
        user_name=user.display_name,
        change=change,
        rights=tuple(sorted(user.rights)),
        notify=notify,
        changed_at=now,
        version=user.version,
        invitation_accepted=invitation_accepted,
    )
