"""What notifications knows of affiliés (the registry's name, postal address and e-mail) and
of firms' users (name, e-mail, rights).

Affiliés: fed only by ``identity.affiliate`` events; a letter's address never comes from
anything else. Firms' users: fed by identity's events (the firm's first administrator from
``cabinet.registered``, each user's address from its activation link or its e-mail change,
its rights and whether it is still active from ``cabinet.user_changed``, an older change never
overwriting a newer one), so that the administrators of a firm can be told.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class AffiliateContact:
    affiliate_id: str
    display_name: str
    address_lines: tuple[str, ...]
    email: str | None
    radiated: bool
    updated_at: datetime
    siren: str | None = None
    """The business's SIREN, when the registry has one (named on a key letter)."""


ADMIN_RIGHT = "admin"
PAY_RIGHT = "pay"
INACTIVE_CHANGES = frozenset({"user_suspended", "user_removed"})


@dataclass(frozen=True)
class CabinetUser:
    account_id: str
    cabinet_id: str | None = None
    display_name: str = ""
    email: str | None = None
    rights: tuple[str, ...] = ()
    active: bool = True
    version: int | None = None

    @property
    def is_administrator(self) -> bool:
        """An active user of the firm holding the ``admin`` right, whose address is known."""
        return self.active and ADMIN_RIGHT in self.rights and bool(self.email)

    @property
    def may_pay(self) -> bool:
        """An active user of a firm holding the ``pay`` right, whose address is known."""
        return self.active and PAY_RIGHT in self.rights and bool(self.email)

    def with_contact(self, email: str, display_name: str) -> CabinetUser:
        return replace(self, email=email, display_name=display_name or self.display_name)

    def with_change(
        self,
        *,
        cabinet_id: str,
        display_name: str,
        change: str,
        rights: tuple[str, ...],
        version: int | None,
    ) -> CabinetUser:
        """A change of the user in its firm; an older one (lower version) changes nothing."""
        if version is not None and self.version is not None and version < self.version:
            return self
        return replace(
            self,
            cabinet_id=cabinet_id,
            display_name=display_name or self.display_name,
            rights=rights,
            active=change not in INACTIVE_CHANGES,
            version=version if version is not None else self.version,
        )
