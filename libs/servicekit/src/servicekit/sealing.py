"""Secrets on the bus: sealed to notifications' public key (libsodium sealed boxes).

Only the holder of the private key can open a sealed value; every other consumer of the
event sees base64 ciphertext.
"""

from __future__ import annotations

import base64

from nacl.public import PrivateKey, PublicKey, SealedBox

from servicekit.logging import register_secret


class SealError(Exception):
    """A sealed value could not be opened (wrong key, or tampered)."""


def generate_keypair() -> tuple[str, str]:
    """``(private, public)`` keys, base64."""
    private = PrivateKey.generate()
    private_b64 = base64.b64encode(bytes(private)).decode()
    register_secret(private_b64)
    return private_b64, base64.b64encode(bytes(private.public_key)).decode()


def seal(public_key_b64: str, secret: str) -> str:
    """``secret`` sealed; a value worth sealing is a secret, so it is masked in logs too."""
    register_secret(secret)
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(secret.encode())).decode()


class Unsealer:
    """Opens values sealed to one private key; the box (and the public key it derives) is
    made once, not for every value."""

    def __init__(self, private_key_b64: str) -> None:
        register_secret(private_key_b64)
        self._box = SealedBox(PrivateKey(base64.b64decode(private_key_b64)))

    def open(self, sealed: str) -> str:
        try:
            opened = bytes(self._box.decrypt(base64.b64decode(sealed))).decode()
        except Exception as exc:
            raise SealError("the sealed value cannot be opened with this key") from exc
        register_secret(opened)
        return opened

    def __repr__(self) -> str:
        return "Unsealer(<private key>)"


def unseal(private_key_b64: str, sealed: str) -> str:
    return Unsealer(private_key_b64).open(sealed)
