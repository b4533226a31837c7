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
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from servicekit.clock import Clock
from servicekit.db import as_utc
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from identity.adapters.orm import signing_keys

ALGORITHM = "Ed25519"
ISSUER, AUDIENCE = "mon-compte-identity", "mon-compte"
RETIRED_KEYS_KEPT = timedelta(days=1)


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

    async def rotate(self) -> str:
        """A new signing key; the previous ones stay published for a while."""
        kid = uuid.uuid4().hex[:16]
        key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(signing_keys).values(
                    kid=kid, private_jwk=json.dumps(key.as_dict(private=True)), created_at=now
                )
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

    def session_of(self, access_token: str) -> str | None:
        """The session an access token signed here names (checked against the live keys)."""
        try:
            token = jwt.decode(access_token, KeySet([k for _, k in self._keys]), [ALGORITHM])
        except (JoseError, ValueError):
            return None
        sid = token.claims.get("sid")
        return sid if isinstance(sid, str) else None

    def sign(self, claims: dict[str, Any], ttl: timedelta) -> str:
        now = self._clock.now()
        key = self.signing_key()
        body = {
            **claims,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid}, body, key, algorithms=[ALGORITHM])
