"""Access tokens signed by a test key, and a verifier that trusts that key (mandates)."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import TokenVerifier

KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "test-key"})


def token(actor: str, subject: str = "agent-1", **claims: Any) -> str:
    body: dict[str, Any] = {
        "sub": subject,
        "act": actor,
        "iss": "mon-compte-identity",
        "aud": "mon-compte",
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        **claims,
    }
    return jwt.encode({"alg": "Ed25519", "kid": KEY.kid}, body, KEY, algorithms=["Ed25519"])


def verifier() -> TokenVerifier:
    async def jwks() -> dict[str, Any]:
        return KeySet([KEY]).as_dict(private=False)

    return TokenVerifier(jwks)
