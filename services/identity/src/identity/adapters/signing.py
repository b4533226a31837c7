"""Access tokens signed with Ed25519 keys kept in identity's database, and the JWKS.

- **Encrypted at rest**: a key's private JWK is stored sealed with AES-256-GCM under the key
  encryption key (``IDENTITY_KEY_ENCRYPTION_KEY``), its ``kid`` bound as associated data; a
  database dump alone cannot sign tokens.
- **One key however many copies start**: every key has a ``generation``, unique in the
  table; a copy adds generation *n + 1* with an insert that does nothing when another copy did
  it first, then reads the table back. Copies racing on an empty database therefore keep the one
  key that won, and each serves the whole table.
- **Rotation on a schedule, with overlap**: when the signing key is ``rotation`` old, a new key
  is written that starts signing only ``PUBLISHED_AHEAD`` later, so every copy has read it and
  publishes it before any token carries it. A key stays in the JWKS until its last token has
  expired (``ACCESS_TTL`` after the next key started signing, plus ``LEEWAY``), then is
  deleted. ``maintain`` does all this; each api copy runs it every ``check_interval_s``.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import (
    ACCESS_TOKEN_TYPE,
    ACCESS_TOKEN_USE,
    ALGORITHMS,
    ISSUER,
    PLATFORM_AUDIENCES,
)
from servicekit.clock import Clock
from servicekit.db import as_utc
from servicekit.logging import register_secret
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from identity.adapters.orm import signing_keys
from identity.domain.sessions import ACCESS_TTL

ALGORITHM = "EdDSA"
"""The ``alg`` of the tokens: Ed25519 under its RFC 8037 name, the one Envoy's JWT verifier (the
gateway) knows; the services accept it and RFC 9864's ``Ed25519`` alike (ADR 0022)."""
PUBLISHED_AHEAD = timedelta(minutes=10)
"""A new key is published this long before it signs (longer than a copy's check interval)."""
LEEWAY = timedelta(minutes=1)
"""Kept past the last token's expiry, for the clocks of the services that verify."""
CIPHER_PREFIX = "aesgcm1."


class KeyCipher:
    """AES-256-GCM sealing of private keys, the ``kid`` bound as associated data."""

    def __init__(self, key_b64: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key_b64)
        except ValueError as exc:
            raise ValueError("IDENTITY_KEY_ENCRYPTION_KEY must be URL-safe base64") from exc
        if len(raw) != 32:
            raise ValueError("IDENTITY_KEY_ENCRYPTION_KEY must be 32 bytes, URL-safe base64")
        self._aead = AESGCM(raw)

    @classmethod
    def derived_from(cls, secret_b64: str) -> KeyCipher:
        """A key derived (HKDF-SHA256) from another secret of the service: for development and
        tests only, where no key encryption key is configured."""
        raw = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"identity signing keys"
        ).derive(base64.urlsafe_b64decode(secret_b64))
        return cls(base64.urlsafe_b64encode(raw).decode())

    def seal(self, kid: str, private_jwk: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, private_jwk.encode(), kid.encode())
        return CIPHER_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, kid: str, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed.removeprefix(CIPHER_PREFIX))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], kid.encode()).decode()
        except InvalidTag as exc:
            raise RuntimeError(
                f"signing key {kid} cannot be decrypted: IDENTITY_KEY_ENCRYPTION_KEY is not the "
                "key it was encrypted with"
            ) from exc

    def __repr__(self) -> str:
        return "KeyCipher(<key>)"


@dataclass(frozen=True)
class LiveKey:
    kid: str
    generation: int
    signs_from: datetime
    key: OKPKey


def _register_key_material(private_jwk: str) -> None:
    """The private key (its JWK, and the ``d`` it holds) is masked in every log line."""
    register_secret(private_jwk)
    register_secret(json.loads(private_jwk).get("d"))


class KeyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        cipher: KeyCipher,
        rotation: timedelta = timedelta(days=30),
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cipher = cipher
        self._rotation = rotation
        self._keys: list[LiveKey] = []

    # -- the table -------------------------------------------------------------------------

    async def _insert_if_absent(
        self, conn: AsyncConnection, generation: int, signs_from: datetime
    ) -> None:
        kid = uuid.uuid4().hex[:16]
        key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
        private_jwk = json.dumps(key.as_dict(private=True))
        _register_key_material(private_jwk)
        values = {
            "kid": kid,
            "generation": generation,
            "encrypted_jwk": self._cipher.seal(kid, private_jwk),
            "private_jwk": None,
            "created_at": self._clock.now(),
            "signs_from": signs_from,
        }
        dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
        await conn.execute(
            dialect_insert(signing_keys)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["generation"])
        )

    async def _encrypt_clear_keys(self, conn: AsyncConnection) -> None:
        """Keys written in clear by an older schema are sealed (once, whoever gets there)."""
        rows = (
            await conn.execute(
                select(signing_keys.c.kid, signing_keys.c.private_jwk).where(
                    signing_keys.c.private_jwk.is_not(None)
                )
            )
        ).all()
        for kid, clear in rows:
            _register_key_material(clear)
            await conn.execute(
                update(signing_keys)
                .where(signing_keys.c.kid == kid, signing_keys.c.private_jwk.is_not(None))
                .values(encrypted_jwk=self._cipher.seal(kid, clear), private_jwk=None)
            )

    async def _read(self) -> None:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(signing_keys).order_by(signing_keys.c.generation))
            ).all()
        opened = {row.kid: self._cipher.open(row.kid, row.encrypted_jwk) for row in rows}
        for private_jwk in opened.values():
            _register_key_material(private_jwk)
        self._keys = [
            LiveKey(
                row.kid,
                row.generation,
                as_utc(row.signs_from),  # type: ignore[arg-type]
                OKPKey.import_key(json.loads(opened[row.kid])),
            )
            for row in rows
        ]

    async def _newest_generation(self, conn: AsyncConnection) -> int:
        return int((await conn.execute(select(func.max(signing_keys.c.generation)))).scalar() or 0)

    # -- life cycle ------------------------------------------------------------------------

    async def load(self) -> None:
        """Seal clear keys, create the first key on a new database (once), read them all."""
        async with self._engine.begin() as conn:
            await self._encrypt_clear_keys(conn)
            if await self._newest_generation(conn) == 0:
                await self._insert_if_absent(conn, 1, self._clock.now())
        await self._read()

    async def maintain(self) -> None:
        """Publish the next key when the signing one is due, drop keys whose tokens have all
        expired, and read the table again (the other copies' work included)."""
        now = self._clock.now()
        await self._read()
        async with self._engine.begin() as conn:
            newest = self._keys[-1] if self._keys else None
            if newest is None:
                await self._insert_if_absent(conn, 1, now)
            elif now >= newest.signs_from + self._rotation - PUBLISHED_AHEAD:
                await self._insert_if_absent(conn, newest.generation + 1, now + PUBLISHED_AHEAD)
            gone = [k.kid for k in self._keys if self._removed_at(k) <= now]
            if gone:
                await conn.execute(delete(signing_keys).where(signing_keys.c.kid.in_(gone)))
        await self._read()

    async def rotate(self) -> str:
        """A new key that signs at once; the others stay published until their tokens have
        expired."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await self._insert_if_absent(conn, await self._newest_generation(conn) + 1, now)
        await self._read()
        return self._keys[-1].kid

    async def rotate_ahead(self) -> LiveKey:
        """An operator's rotation before its time, with the schedule's overlap: the next key
        is published now and signs ``PUBLISHED_AHEAD`` later, when every copy has read it.
        Asked again while that key waits, it is the answer (no second one)."""
        now = self._clock.now()
        await self._read()
        waiting = [k for k in self._keys if k.signs_from > now]
        if waiting:
            return waiting[-1]
        async with self._engine.begin() as conn:
            newest = await self._newest_generation(conn)
            await self._insert_if_absent(conn, newest + 1, now + PUBLISHED_AHEAD)
        await self._read()
        return self._keys[-1]

    async def replace(self) -> tuple[str, list[str]]:
        """After a leak: a new key signs at once and every other key leaves the table (so the
        key set), its tokens refused wherever the key set is read again. Returns the new
        key's id and the withdrawn ones'."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            generation = await self._newest_generation(conn) + 1
            await self._insert_if_absent(conn, generation, now)
            older = signing_keys.c.generation < generation
            withdrawn = list(
                (
                    await conn.execute(
                        select(signing_keys.c.kid).where(older).order_by(signing_keys.c.generation)
                    )
                ).scalars()
            )
            await conn.execute(delete(signing_keys).where(older))
        await self._read()
        return self._keys[-1].kid, withdrawn

    def listing(self) -> list[tuple[LiveKey, str]]:
        """Each key with its state now: « signs », « published » (signs later), « retired »
        (its tokens may still be alive; it leaves the key set after them)."""
        now = self._clock.now()
        signer = self.signing_key().kid if any(k.signs_from <= now for k in self._keys) else ""
        return [
            (
                k,
                "signs" if k.kid == signer else ("published" if k.signs_from > now else "retired"),
            )
            for k in self._keys
        ]

    async def reread(self) -> None:
        """Read the table again (a command's view of what the copies serve)."""
        await self._read()

    # -- use -------------------------------------------------------------------------------

    def _retired_at(self, key: LiveKey) -> datetime | None:
        """When a later key started signing (None while this one may still sign)."""
        later = [k.signs_from for k in self._keys if k.generation > key.generation]
        return min(later) if later and min(later) <= self._clock.now() else None

    def _removed_at(self, key: LiveKey) -> datetime:
        retired = self._retired_at(key)
        return (
            datetime.max.replace(tzinfo=key.signs_from.tzinfo)
            if retired is None
            else (retired + ACCESS_TTL + LEEWAY)
        )

    def signing_key(self) -> OKPKey:
        """The newest key whose time to sign has come."""
        now = self._clock.now()
        return [k for k in self._keys if k.signs_from <= now][-1].key

    def jwks(self) -> dict[str, Any]:
        """Every key that signs, will sign soon, or signed tokens not yet expired."""
        now = self._clock.now()
        live: list[Any] = [k.key for k in self._keys if self._removed_at(k) > now]
        result = KeySet(live).as_dict(private=False)
        return dict(result)

    def session_of(self, access_token: str) -> str | None:
        """The session an access token signed here names (checked against the live keys)."""
        try:
            token = jwt.decode(access_token, KeySet([k.key for k in self._keys]), ALGORITHMS)
        except (JoseError, ValueError):
            return None
        sid = token.claims.get("sid")
        return sid if isinstance(sid, str) else None

    def sign(
        self,
        claims: dict[str, Any],
        ttl: timedelta,
        audiences: tuple[str, ...] = PLATFORM_AUDIENCES,
    ) -> str:
        """An access token for ``audiences`` (by default every service of the platform: a
        signed-in person's session reaches them all), valid from now for ``ttl``."""
        now = self._clock.now()
        key = self.signing_key()
        issued = int(now.timestamp())
        body = {
            **claims,
            "iss": ISSUER,
            "aud": list(audiences),
            "token_use": ACCESS_TOKEN_USE,
            "iat": issued,
            "nbf": issued,
            "exp": int((now + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": ACCESS_TOKEN_TYPE}
        return jwt.encode(header, body, key, algorithms=[ALGORITHM])
