"""The session cookie's content, sealed with AES-256-GCM under ``PORTAL_SECRET_KEY``.

The browser holds the tokens but can neither read nor change them: a cookie that does not
open (another key, a byte changed, a cookie of another purpose) is a visitor with no session.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PURPOSE = b"portal-session-v1"
_NONCE = 12


def generate_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


class CookieSeal:
    def __init__(self, key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError) as exc:
            raise ValueError("PORTAL_SECRET_KEY must be 32 bytes in URL-safe base64.") from exc
        if len(raw) != 32:
            raise ValueError("PORTAL_SECRET_KEY must be 32 bytes in URL-safe base64.")
        self._aead = AESGCM(raw)

    def seal(self, data: dict[str, Any]) -> str:
        nonce = os.urandom(_NONCE)
        plain = json.dumps(data, separators=(",", ":")).encode()
        sealed = self._aead.encrypt(nonce, plain, _PURPOSE)
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, value: str) -> dict[str, Any] | None:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _PURPOSE)
            data = json.loads(plain)
        except (binascii.Error, ValueError, InvalidTag):
            return None
        return data if isinstance(data, dict) else None
