"""Access tokens signed by a test key, and a verifier that trusts that key: what every
service's tests use to call its api as an assuré, a firm user or an agent."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

from servicekit.auth import TokenVerifier
from servicekit.clock import Clock

KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "test-key"})


def token(
    actor: str, subject: str = "agent-1", *, exp_at: datetime | None = None, **claims: Any
) -> str:
    """A token as identity signs them; valid ten minutes after ``exp_at`` (default now)."""
    expires = int(exp_at.timestamp() if exp_at is not None else time.time()) + 600
    body: dict[str, Any] = {
        "sub": subject,
        "act": actor,
        "iss": "mon-compte-identity",
        "aud": "mon-compte",
        "iat": int(time.time()),
        "exp": expires,
        **claims,
    }
    return jwt.encode({"alg": "Ed25519", "kid": KEY.kid}, body, KEY, algorithms=["Ed25519"])


def bearer(actor: str, subject: str = "agent-1", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(actor, subject, **claims)}"}


async def jwks() -> dict[str, Any]:
    return dict(KeySet([KEY]).as_dict(private=False))


def verifier(clock: Clock | None = None) -> TokenVerifier:
    return TokenVerifier(jwks, clock=clock) if clock is not None else TokenVerifier(jwks)
