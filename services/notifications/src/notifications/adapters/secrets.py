"""Opening the secrets sealed to notifications' key, only at the moment of rendering."""

from __future__ import annotations

from servicekit.sealing import unseal


class SealedSecretOpener:
    def __init__(self, private_key_b64: str) -> None:
        self._private_key = private_key_b64

    def open(self, sealed: str) -> str:
        return unseal(self._private_key, sealed)

    def __repr__(self) -> str:
        return "SealedSecretOpener(<private key>)"
