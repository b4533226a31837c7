"""Commands: what a caller asks identity to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Command:
    """Marker base class."""


@dataclass(frozen=True)
class RegisterCabinet(Command):
    raison_sociale: str
    siret: str
    address: str
    admin_first_name: str
    admin_last_name: str
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ActivateAccount(Command):
    token: str = field(repr=False)
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Login(Command):
    username: str
    password: str = field(repr=False)
    source: str = ""
    """The caller's address (a forwarded one only from a trusted proxy); "" when unknown."""
    user_agent: str = ""
    """The caller's ``User-Agent``, shown in the account's list of sessions."""


@dataclass(frozen=True)
class RefreshSession(Command):
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class Logout(Command):
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class EndSession(Command):
    """The account holder ends one of its sessions."""

    account_id: str
    session_id: str


@dataclass(frozen=True)
class EndSessions(Command):
    """The account holder ends all its sessions, or all but ``keep`` (its current one)."""

    account_id: str
    keep: str | None = None


@dataclass(frozen=True)
class CreateAgent(Command):
    email: str
    display_name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class RegisterAssure(Command):
    nir: str = field(repr=False)
    birth_date: date
    birth_name: str
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class RenewActivation(Command):
    email: str


@dataclass(frozen=True)
class RequestPasswordReset(Command):
    email: str


@dataclass(frozen=True)
class ResetPassword(Command):
    token: str = field(repr=False)
    new_password: str = field(repr=False)


@dataclass(frozen=True)
class RequestEmailChange(Command):
    account_id: str
    new_email: str


@dataclass(frozen=True)
class ConfirmEmailChange(Command):
    token: str = field(repr=False)


@dataclass(frozen=True)
class ChangePersonalData(Command):
    account_id: str
    address: dict[str, Any] | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class SetThirdPartyConsent(Command):
    account_id: str
    allowed: bool


@dataclass(frozen=True)
class DeactivateAccount(Command):
    account_id: str


@dataclass(frozen=True)
class InviteCollaborator(Command):
    cabinet_id: str
    actor_id: str
    first_name: str
    last_name: str
    email: str
    rights: frozenset[str]


@dataclass(frozen=True)
class ChangeCabinetUser(Command):
    """``change``: rights, suspend, reactivate, remove, reinvite."""

    cabinet_id: str
    actor_id: str
    account_id: str
    change: str
    rights: frozenset[str] = frozenset()
