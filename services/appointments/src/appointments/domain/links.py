"""The signed link to manage an appointment without logging in.

A token is ``<body>.<mac>``, both base64url without padding:

- body: ``appointment_id``, ``revision`` and the expiry (Unix seconds), separated by a line
  feed (an id holds none);
- mac: HMAC-SHA256 under the service's secret of the purpose, a NUL byte and the body. The
  purpose (``manage-appointment``) is inside the MAC, not in the token: a token signed for any
  other purpose with the same secret never verifies as a manage token.

The token says which revision of the appointment it was issued for; the caller refuses a token
whose revision is not the appointment's current one, so a link that cancelled or moved an
appointment cannot be played again. Expiry has second precision (rounded down).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

MANAGE_PURPOSE: Final = "manage-appointment"
_SEPARATOR: Final = "\n"


class LinkInvalid(ValueError):
    """The token was altered, is for another purpose, or is not a token at all."""


class LinkExpired(ValueError):
    """The token is genuine but its time is over."""


@dataclass(frozen=True, slots=True)
class ManageClaims:
    appointment_id: str
    revision: int
    expires_at: datetime


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    if not text or not text.isascii() or not all(c.isalnum() or c in "-_" for c in text):
        raise LinkInvalid("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise LinkInvalid("not base64url") from exc


def _mac(secret: bytes, purpose: str, body: bytes) -> bytes:
    return hmac.new(secret, purpose.encode() + b"\x00" + body, hashlib.sha256).digest()


def sign_token(secret: bytes, claims: ManageClaims, *, purpose: str) -> str:
    """A token carrying the claims, valid only for that purpose."""
    if not secret:
        raise ValueError("The signing secret is empty.")
    if not claims.appointment_id or _SEPARATOR in claims.appointment_id:
        raise ValueError("An appointment id is a non-empty line.")
    if claims.revision < 0:
        raise ValueError("A revision is not negative.")
    if claims.expires_at.utcoffset() is None:
        raise ValueError("expires_at must be an aware datetime.")
    expires = int(claims.expires_at.timestamp())
    body = _SEPARATOR.join([claims.appointment_id, str(claims.revision), str(expires)]).encode()
    return f"{_encode(body)}.{_encode(_mac(secret, purpose, body))}"


def verify_token(secret: bytes, token: str, *, purpose: str, now: datetime) -> ManageClaims:
    """The claims of a genuine, unexpired token for that purpose; LinkInvalid or LinkExpired."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime.")
    body_text, dot, mac_text = token.partition(".")
    if not dot:
        raise LinkInvalid("no MAC")
    body, mac = _decode(body_text), _decode(mac_text)
    if not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise LinkInvalid("bad MAC")
    try:
        appointment_id, revision, expires = body.decode().split(_SEPARATOR)
        claims = ManageClaims(
            appointment_id, int(revision), datetime.fromtimestamp(int(expires), UTC)
        )
    except (UnicodeDecodeError, ValueError, OverflowError, OSError) as exc:
        raise LinkInvalid("bad body") from exc
    if now >= claims.expires_at:
        raise LinkExpired(claims.appointment_id)
    return claims


def sign_manage_token(secret: bytes, claims: ManageClaims) -> str:
    """The token of the link to cancel or reschedule that appointment."""
    return sign_token(secret, claims, purpose=MANAGE_PURPOSE)


def verify_manage_token(secret: bytes, token: str, *, now: datetime) -> ManageClaims:
    """The claims of a manage link's token; LinkInvalid (altered, other purpose, malformed)
    or LinkExpired."""
    return verify_token(secret, token, purpose=MANAGE_PURPOSE, now=now)
