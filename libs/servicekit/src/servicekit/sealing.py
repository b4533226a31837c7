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


def unseal(private_key_b64: str, sealed: str) -> str:
    box = SealedBox(PrivateKey(base64.b64decode(private_key_b64)))
    register_secret(private_key_b64)
    try:
        opened = bytes(box.decrypt(base64.b64decode(sealed))).decode()
    except Exception as exc:
        raise SealError("the sealed value cannot be opened with this key") from exc
    register_secret(opened)
    return opened
