"""Password hashing (Argon2id), random tokens, and sealing secrets for notifications."""

from __future__ import annotations

import secrets
import uuid

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from servicekit.logging import register_secret
from servicekit.sealing import seal


class Argon2PasswordHasher:
    """Argon2id; the parameters are benchmarked in bench/auth.py."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1) -> None:
        self._hasher = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


class RandomTokens:
    def new_token(self) -> str:
        """256 bits, URL-safe; masked in every log line from now on."""
        token = secrets.token_urlsafe(32)
        register_secret(token)
        return token

    def new_id(self) -> str:
        return str(uuid.uuid4())


class NotificationsSealer:
    def __init__(self, public_key_b64: str) -> None:
        self._public_key = public_key_b64

    def seal(self, secret: str) -> str:
        return seal(self._public_key, secret)
