"""Access tokens signed with Ed25519 keys kept in identity's database, and the JWKS.

Two keys are live during a rotation: the newest signs, the previous one stays published until
the tokens it signed have expired, so every service keeps verifying them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import ACCESS_TOKEN_TYPE, ACCESS_TOKEN_USE, ISSUER, PLATFORM_AUDIENCES
from servicekit.clock import Clock
from servicekit.db import as_utc
from servicekit.logging import register_secret
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from identity.adapters.orm import signing_keys

ALGORITHM = "Ed25519"
RETIRED_KEYS_KEPT = timedelta(days=1)


def _register_key_material(private_jwk: str) -> None:
    """The private key (its JWK, and the ``d`` it holds) is masked in every log line."""
    register_secret(private_jwk)
    register_secret(json.loads(private_jwk).get("d"))


class KeyStore:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._keys: list[tuple[datetime, OKPKey]] = []

    async def load(self) -> None:
        """Read the keys; create the first one on a new database."""
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(select(signing_keys).order_by(signing_keys.c.created_at))
            ).all()
        if not rows:
            await self.rotate()
            return
        self._keys = [
            (as_utc(row.created_at), OKPKey.import_key(json.loads(row.private_jwk))) for row in rows
        ]
        for row in rows:
            _register_key_material(row.private_jwk)

    async def rotate(self) -> str:
        """A new signing key; the previous ones stay published for a while."""
        kid = uuid.uuid4().hex[:16]
        key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
        now = self._clock.now()
        private_jwk = json.dumps(key.as_dict(private=True))
        _register_key_material(private_jwk)
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(signing_keys).values(kid=kid, private_jwk=private_jwk, created_at=now)
            )
        self._keys.append((now, key))
        return kid

    def signing_key(self) -> OKPKey:
        return self._keys[-1][1]

    def jwks(self) -> dict[str, Any]:
        """The signing key and those it replaced less than a day ago."""
        now = self._clock.now()
        live: list[Any] = [self._keys[-1][1]]
        for (_, key), (replaced_at, _) in zip(self._keys, self._keys[1:], strict=False):
            if now - replaced_at < RETIRED_KEYS_KEPT:
                live.append(key)
        result = KeySet(live).as_dict(private=False)
        return dict(result)

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
