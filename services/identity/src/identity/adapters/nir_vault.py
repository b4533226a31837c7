"""NIRs at rest: encrypted (Fernet, AES-128-CBC with HMAC), plus a keyed blind index so an
affilié can be found by NIR without decrypting every row."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet


class NirVault:
    def __init__(self, key_b64: str) -> None:
        raw = base64.urlsafe_b64decode(key_b64)
        if len(raw) != 32:
            raise ValueError("IDENTITY_NIR_KEY must be 32 bytes, URL-safe base64")
        self._fernet = Fernet(key_b64.encode())
        self._index_key = hmac.new(raw, b"nir-blind-index", hashlib.sha256).digest()

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, nir: str) -> str:
        return self._fernet.encrypt(nir.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def index(self, nir: str) -> str:
        """The index of the NIR's 13-character body: the key is derived from it, so a login with
        the body alone (as assurés type it) finds the same row."""
        return hmac.new(self._index_key, nir[:13].encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "NirVault(<key>)"
