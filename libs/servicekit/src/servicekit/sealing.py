"""Secrets on the bus: sealed to notifications' public key (libsodium sealed boxes).

Only the holder of the private key can open a sealed value; every other consumer of the
event sees base64 ciphertext.
"""

from __future__ import annotations

import base64

from nacl.public import PrivateKey, PublicKey, SealedBox


class SealError(Exception):
    """A sealed value could not be opened (wrong key, or tampered)."""


def generate_keypair() -> tuple[str, str]:
    """``(private, public)`` keys, base64."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private)).decode(),
        base64.b64encode(bytes(private.public_key)).decode(),
    )


def seal(public_key_b64: str, secret: str) -> str:
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(secret.encode())).decode()


def unseal(private_key_b64: str, sealed: str) -> str:
    box = SealedBox(PrivateKey(base64.b64decode(private_key_b64)))
    try:
        return bytes(box.decrypt(base64.b64decode(sealed))).decode()
    except Exception as exc:
        raise SealError("the sealed value cannot be opened with this key") from exc
