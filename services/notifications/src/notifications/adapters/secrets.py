"""Opening the secrets sealed to notifications' key, only at the moment of rendering."""

from __future__ import annotations

from servicekit.sealing import Unsealer


class SealedSecretOpener:
    def __init__(self, private_key_b64: str) -> None:
        self._unsealer = Unsealer(private_key_b64)

    def open(self, sealed: str) -> str:
        return self._unsealer.open(sealed)

    def __repr__(self) -> str:
        return "SealedSecretOpener(<private key>)"
