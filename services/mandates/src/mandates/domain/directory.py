"""What mandates knows of other services' records (its read models): the registry's
affiliés and the firms' users, and who among them is told of a change."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Affiliate:
    """The registry's copy, as mandates needs it."""

    affiliate_id: str
    siren: str | None
    display_name: str
    radiated: bool
    consent: bool


@dataclass(frozen=True)
class FirmUser:
    account_id: str
    cabinet_id: str
    name: str
    email: str | None
    is_admin: bool
    active: bool


def concerned(
    users: Iterable[FirmUser],
    subscribers: Collection[str],
    *,
    exclude: str | None = None,
    admins: bool = True,
) -> list[FirmUser]:
    """Who is told of a change to a client or a portfolio: the firm's administrators (when
    ``admins``) and the portfolio's subscribers, active, with a known e-mail; never
    ``exclude`` (the user who acted)."""
    return [
        user
        for user in users
        if user.account_id != exclude
        and user.active
        and user.email
        and ((admins and user.is_admin) or user.account_id in subscribers)
    ]
