"""Access tokens signed by a test key, and a verifier that trusts that key: what every
service's tests use to call its api as an assuré, a firm user or an agent."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

from servicekit.auth import (
    ACCESS_TOKEN_TYPE,
    ACCESS_TOKEN_USE,
    ISSUER,
    PLATFORM_AUDIENCES,
    TokenVerifier,
)
from servicekit.clock import Clock

KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "test-key"})


def token(
    actor: str, subject: str = "agent-1", *, exp_at: datetime | None = None, **claims: Any
) -> str:
    """A token as identity signs them (for every service of the platform, unless ``aud`` says
    otherwise); issued at ``exp_at`` (default now) and valid ten minutes from then."""
    issued = int(exp_at.timestamp() if exp_at is not None else time.time())
    expires = issued + 600
    body: dict[str, Any] = {
        "sub": subject,
        "act": actor,
        "iss": ISSUER,
        "aud": list(PLATFORM_AUDIENCES),
        "token_use": ACCESS_TOKEN_USE,
        "iat": issued,
        "nbf": issued,
        "exp": expires,
        **claims,
    }
    header = {"alg": "Ed25519", "kid": KEY.kid, "typ": ACCESS_TOKEN_TYPE}
    return jwt.encode(header, body, KEY, algorithms=["Ed25519"])


def bearer(actor: str, subject: str = "agent-1", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(actor, subject, **claims)}"}


async def jwks() -> dict[str, Any]:
    return dict(KeySet([KEY]).as_dict(private=False))


def verifier(clock: Clock | None = None, *, audience: str) -> TokenVerifier:
    """A verifier that trusts the test key, as the service of ``audience`` checks tokens."""
    return TokenVerifier(jwks, audience=audience, clock=clock)
