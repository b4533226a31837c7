"""Keys travel sealed to notifications' public key (libsodium sealed box)."""

from __future__ import annotations

from servicekit.sealing import seal


class NotificationsKeySealer:
    def __init__(self, public_key_b64: str) -> None:
        self._public_key = public_key_b64

    def seal(self, secret: str) -> str:
        return seal(self._public_key, secret)
