"""Access tokens: verification against identity's JWKS, and the principal they carry.

identity signs short-lived JWTs (EdDSA on Ed25519, named "Ed25519" as RFC 9864 does); every
service verifies them itself. The JWKS is cached and fetched again when a token names a key id
the cache does not know (key rotation).

Each service has its own audience (:data:`SERVICE_AUDIENCES`) and accepts a token only if its
``aud`` names it; a token must also be an access token (JOSE ``typ`` ``at+jwt`` and claim
``token_use`` ``access``) and be inside its ``nbf``..``exp`` window.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from joserfc import jwt
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, ValidationError

from servicekit.clock import Clock, SystemClock
from servicekit.problems import Unauthorized

ActorKind = Literal["assure", "cabinet_user", "agent"]
Right = Literal["admin", "clients", "declare", "pay", "read"]
ALGORITHMS = ["Ed25519", "ES256"]
ISSUER = "mon-compte-identity"
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a token type, not a secret
"""The JOSE header ``typ`` of an access token (RFC 9068)."""
ACCESS_TOKEN_USE = "access"  # noqa: S105 - a token kind, not a secret
"""The ``token_use`` claim of an access token; any other kind is refused."""

SERVICE_AUDIENCES: dict[str, str] = {
    name: f"mon-compte:{name}"
    for name in ("identity", "mandates", "cotisations", "notifications", "gateway")
}
"""The audience of each service that accepts identity's access tokens."""
PLATFORM_AUDIENCES: tuple[str, ...] = tuple(SERVICE_AUDIENCES.values())
"""The audiences a signed-in person's token carries: every service of the platform."""


def audience_of(service: str) -> str:
    """The audience ``service`` checks in the tokens it accepts."""
    return SERVICE_AUDIENCES[service]


class Principal(BaseModel):
    """Who is calling, as the access token says."""

    model_config = ConfigDict(frozen=True)

    subject: str
    actor: ActorKind
    affiliate_id: str | None = None
    cabinet_id: str | None = None
    rights: frozenset[Right] = frozenset()
    category: str | None = None
    email: str | None = None
    name: str | None = None

    def has_right(self, right: Right) -> bool:
        return right in self.rights


NOT_ACCESS = "Ce jeton n'est pas un jeton d'accès."
NBF_LEEWAY_S = 5
"""Clocks of two hosts differ a little: a token a few seconds early is not refused."""

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks_fetcher(url: str) -> JwksFetcher:
    async def fetch() -> dict[str, Any]:
        import httpx

        async with httpx.AsyncClient(timeout=5) as client:
            resp = await client.get(url)
            resp.raise_for_status()
            body: dict[str, Any] = resp.json()
            return body

    return fetch


class TokenVerifier:
    """Verifies access tokens; caches the JWKS for ``ttl_s`` and refreshes on an unknown kid."""

    def __init__(
        self,
        fetch_jwks: JwksFetcher,
        *,
        audience: str,
        issuer: str = ISSUER,
        ttl_s: float = 300.0,
        min_refresh_interval_s: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        self._fetch = fetch_jwks
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._min_refresh_s = min_refresh_interval_s
        self._clock = clock or SystemClock()
        self._keys: KeySet | None = None
        self._verified: OrderedDict[str, tuple[int, Principal]] = OrderedDict()
        self._cache_size = 10_000
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _key_set(self, *, force: bool = False) -> KeySet:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = self._keys is None or age > self._ttl_s
            if stale or (force and age > self._min_refresh_s):
                self._keys = KeySet.import_key_set(await self._fetch())  # type: ignore[arg-type]
                self._fetched_at = time.monotonic()
            assert self._keys is not None
            return self._keys

    async def verify(self, token: str) -> Principal:
        """The token's principal. A token already verified (same bytes, signature included) is
        answered from a bounded cache until it expires: clients reuse a token for minutes, and
        the signature check would otherwise dominate a read."""
        now = int(self._clock.now().timestamp())
        cached = self._verified.get(token)
        if cached is not None:
            if cached[0] > now:
                self._verified.move_to_end(token)
                return cached[1]
            del self._verified[token]
        principal, exp = await self._verify(token, now)
        self._verified[token] = (exp, principal)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str, now: int) -> tuple[Principal, int]:
        try:
            header = _unverified_header(token)
        except ValueError as exc:
            raise Unauthorized("Jeton d'accès illisible.") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not isinstance(header.get("alg"), str):
            raise Unauthorized("Jeton d'accès illisible.")
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise Unauthorized(NOT_ACCESS)
        keys = await self._key_set()
        if kid not in {k.kid for k in keys.keys}:
            keys = await self._key_set(force=True)
        if kid not in {k.kid for k in keys.keys}:
            raise Unauthorized("Jeton d'accès signé par une clé inconnue.")
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        except Exception as exc:  # any malformed part is the same answer, never a 500
            raise Unauthorized("Signature du jeton d'accès invalide.") from exc
        claims = decoded.claims
        if claims.get("token_use") != ACCESS_TOKEN_USE:
            raise Unauthorized(NOT_ACCESS)
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("nbf"), int):
            raise Unauthorized("Jeton d'accès incomplet.")
        if claims["exp"] <= now:
            raise Unauthorized("Jeton d'accès expiré.")
        if claims["nbf"] > now + NBF_LEEWAY_S:
            raise Unauthorized("Jeton d'accès pas encore valable.")
        if claims.get("iss") != self._issuer or not _names(claims.get("aud"), self._audience):
            raise Unauthorized("Jeton d'accès émis pour un autre usage.")
        try:
            principal = Principal(
                subject=claims["sub"],
                actor=claims["act"],
                affiliate_id=claims.get("aff"),
                cabinet_id=claims.get("cab"),
                rights=frozenset(claims.get("rights", [])),
                category=claims.get("cat"),
                email=claims.get("email"),
                name=claims.get("name"),
            )
        except (KeyError, ValidationError) as exc:
            raise Unauthorized("Jeton d'accès incomplet.") from exc
        return principal, int(claims["exp"])


def _names(aud: object, audience: str) -> bool:
    """Whether a token's ``aud`` (one string or a list, RFC 7519 4.1.3) names ``audience``."""
    if isinstance(aud, str):
        return aud == audience
    return isinstance(aud, list) and audience in aud


def _unverified_header(token: str) -> dict[str, Any]:
    import base64
    import json

    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    padded = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise ValueError("unreadable header") from exc
    if not isinstance(header, dict):
        raise ValueError("header is not an object")  # noqa: TRY004 - caught as ValueError
    return header
