"""The Ed25519 keys that sign QR payloads, kept under the service's data directory.

``<data>/signing/<kid>.pem`` holds each private key (PKCS#8), ``<data>/signing/active`` the key
id that signs now. Every key ever made stays published in the JWKS, so a certificate signed
before a rotation keeps verifying. The first start makes the first key (an exclusive create:
two processes starting together end with one key).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(kid: str, key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64(raw),
        "kid": kid,
        "use": "sig",
        "alg": "EdDSA",
    }


def keys_of_jwks(jwks: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    out: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
            out[str(jwk["kid"])] = Ed25519PublicKey.from_public_bytes(_unb64(str(jwk["x"])))
    return out


def verify_signature(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class KeyRing:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._keys: dict[str, Ed25519PrivateKey] = {}
        self._active: str | None = None

    def load(self, wait_s: float = 10.0) -> None:
        """Read the keys; make the first one if there is none (a process starting beside the
        one making it waits for it, up to ``wait_s``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / "active").exists():
            self._create_first()
        deadline = time.monotonic() + wait_s
        while not (self.folder / "active").exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no signing key appeared in {self.folder}")
            time.sleep(0.05)
        self._keys = {p.stem: self._read(p) for p in sorted(self.folder.glob("*.pem"))}
        self._active = (self.folder / "active").read_text().strip()

    def _read(self, path: Path) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key

    def _new_key_file(self) -> str:
        kid = f"att-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(self.folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return kid

    def _create_first(self) -> None:
        lock = self.folder / ".first"
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process makes it; load() then reads it
        os.close(fd)
        kid = self._new_key_file()
        tmp = self.folder / "active.tmp"
        tmp.write_text(kid)
        tmp.replace(self.folder / "active")

    def rotate(self) -> str:
        """A new key signs from now on; the previous ones stay published."""
        self.folder.mkdir(parents=True, exist_ok=True)
        kid = self._new_key_file()
        tmp = self.folder / "active.tmp"
        tmp.write_text(kid)
        tmp.replace(self.folder / "active")
        self.load()
        return kid

    @property
    def key_id(self) -> str:
        if self._active is None:
            self.load()
        assert self._active is not None
        return self._active

    def sign(self, data: bytes) -> bytes:
        return self._keys[self.key_id].sign(data)

    def jwks(self) -> dict[str, Any]:
        if self._active is None:
            self.load()
        return {"keys": [public_jwk(k, v.public_key()) for k, v in sorted(self._keys.items())]}
