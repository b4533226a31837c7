"""The service's secrets, all derived from ``APPOINTMENTS_SECRET_KEY`` (HMAC-SHA256 with a
label each): the manage links' key, the verification codes' key, the NIR's index key (a
person's open requests are counted by it) and the NIR's encryption key (AES-256-GCM at rest:
an agent reading the request sees it; a copy of the database does not). The manage links are
sealed to notifications' public key in the events (only notifications opens them)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from servicekit.sealing import seal


def _derive(root: bytes, label: str) -> bytes:
    return hmac.new(root, label.encode(), hashlib.sha256).digest()


class ServiceSecrets:
    def __init__(self, secret_key: str, notifications_public_key: str = "") -> None:
        if not secret_key:
            raise RuntimeError(
                "APPOINTMENTS_SECRET_KEY is required (32 bytes, URL-safe base64): it signs the "
                "manage links and the verification codes and protects the NIRs"
            )
        root = base64.urlsafe_b64decode(secret_key + "=" * (-len(secret_key) % 4))
        if len(root) < 32:
            raise RuntimeError("APPOINTMENTS_SECRET_KEY must hold at least 32 bytes")
        self.link_key = _derive(root, "manage-links")
        self.captcha_key = _derive(root, "verification-codes")
        self._index_key = _derive(root, "nir-index")
        self._aead = AESGCM(_derive(root, "nir-at-rest"))
        self._public_key = notifications_public_key

    def __repr__(self) -> str:
        return "ServiceSecrets(<keys>)"

    def nir_index(self, nir: str) -> str:
        return hmac.new(self._index_key, nir.encode(), hashlib.sha256).hexdigest()

    def seal_nir(self, nir: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, nir.encode(), b"nir")
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open_nir(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], b"nir").decode()

    def seal_for_notifications(self, secret: str) -> str | None:
        return seal(self._public_key, secret) if self._public_key else None
