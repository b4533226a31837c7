"""The QR code's payload: compact, signed, verifiable offline with the published key.

``MCA1.<kid>.<claims>.<signature>``: ``claims`` is the base64url (no padding) of the compact
JSON of what the certificate says (the same lines as the PDF, never more), ``signature`` the
base64url of the Ed25519 signature of ``MCA1.<kid>.<claims>`` (ASCII). The key id is inside
the signed part, so a payload cannot be moved under another key.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from attestations.domain.codes import format_code
from attestations.domain.model import Content

PREFIX = "MCA1"


class PayloadInvalid(ValueError):
    """Not a payload of this platform (shape, encoding)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PayloadInvalid("base64") from exc


def claims_of(code: str, content: Content) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "c": format_code(code),
        "k": content.kind,
        "h": content.holder,
        "p": content.period,
        "s": content.statement,
        "i": content.issued_on.isoformat(),
    }
    if content.siren:
        claims["n"] = content.siren
    if content.valid_until:
        claims["v"] = content.valid_until.isoformat()
    return claims


def signing_input(kid: str, claims: dict[str, Any]) -> str:
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return f"{PREFIX}.{kid}.{_b64(body.encode())}"


def assemble(signed: str, signature: bytes) -> str:
    return f"{signed}.{_b64(signature)}"


@dataclass(frozen=True, slots=True)
class ParsedPayload:
    kid: str
    signed: str
    signature: bytes
    claims: dict[str, Any]


def parse(payload: str) -> ParsedPayload:
    parts = payload.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1]:
        raise PayloadInvalid("shape")
    try:
        claims = json.loads(_unb64(parts[2]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadInvalid("claims") from exc
    if not isinstance(claims, dict):
        raise PayloadInvalid("claims")
    return ParsedPayload(parts[1], ".".join(parts[:3]), _unb64(parts[3]), claims)
