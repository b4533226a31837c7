"""A visitor's session as the portal keeps it (sealed in the session cookie).

The portal owns no data: a session holds the tokens identity issued, who they name, and the
form token (CSRF) of this browser. Nothing of it is trusted for an authorisation: every
service checks the access token itself.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

REFRESH_AHEAD_S = 30.0
"""An access token this close to its expiry is refreshed before it is used."""


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Visit:
    """``access_token`` empty: a visitor who has not signed in (the form token alone)."""

    csrf: str = field(default_factory=new_form_token)
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0
    account_id: str = ""
    actor: str = ""
    cabinet_id: str | None = None
    affiliate_id: str | None = None
    rights: tuple[str, ...] = ()
    flash: str = ""
    receipt: str = ""
    """A booking just made, shown once by its confirmation page (JSON; the portal keeps no
    data of its own)."""

    @property
    def signed_in(self) -> bool:
        return bool(self.access_token)

    @property
    def is_assure(self) -> bool:
        return self.actor == "assure"

    @property
    def is_cabinet_user(self) -> bool:
        return self.actor == "cabinet_user"

    @property
    def is_agent(self) -> bool:
        return self.actor == "agent"

    def needs_refresh(self, now: float) -> bool:
        return self.signed_in and now >= self.expires_at - REFRESH_AHEAD_S

    def with_tokens(self, access_token: str, refresh_token: str, expires_at: float) -> Visit:
        return replace(
            self, access_token=access_token, refresh_token=refresh_token, expires_at=expires_at
        )

    def with_rights(self, rights: tuple[str, ...]) -> Visit:
        """The rights the menu follows, as identity's latest token names them."""
        return replace(self, rights=rights)

    def signed_out(self) -> Visit:
        """A fresh anonymous visit: a new form token, nothing of the person kept."""
        return Visit()

    def with_flash(self, message: str) -> Visit:
        return replace(self, flash=message)

    def with_receipt(self, receipt: str) -> Visit:
        return replace(self, receipt=receipt)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rights"] = list(self.rights)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Visit:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["rights"] = tuple(known.get("rights") or ())
        return cls(**known)
