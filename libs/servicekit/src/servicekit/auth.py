"""Access tokens: verification against identity's JWKS, and the principal they carry.

identity signs short-lived JWTs (EdDSA on Ed25519, ``alg`` ``EdDSA``: ADR 0022); every
service verifies them itself. The JWKS is cached and fetched again when a token names a key id
the cache does not know (key rotation).

Each service has its own audience (:data:`SERVICE_AUDIENCES`) and accepts a token only if its
``aud`` names it; a token must also be an access token (JOSE ``typ`` ``at+jwt`` and claim
``token_use`` ``access``) and be inside its ``nbf``..``exp`` window.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import structlog
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, ValidationError

from servicekit.clock import Clock, SystemClock
from servicekit.errors import describe
from servicekit.problems import Unauthorized, Unavailable

_log = structlog.get_logger("servicekit.auth")

ActorKind = Literal["assure", "cabinet_user", "agent"]
Right = Literal["admin", "clients", "declare", "pay", "read"]
ALGORITHMS = ["EdDSA", "Ed25519", "ES256"]
"""What a token may be signed with. identity signs Ed25519 under the name ``EdDSA`` (RFC 8037),
the only one Envoy's JWT verifier knows, so the gateway checks the same tokens (ADR 0022);
``Ed25519`` (RFC 9864's name for the same signature) is still accepted."""
# joserfc warns at every use of the RFC 8037 name; it is chosen here, on purpose (ADR 0022)
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)
ISSUER = "mon-compte-identity"
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a token type, not a secret
"""The JOSE header ``typ`` of an access token (RFC 9068)."""
ACCESS_TOKEN_USE = "access"  # noqa: S105 - a token kind, not a secret
"""The ``token_use`` claim of an access token; any other kind is refused."""

SERVICE_AUDIENCES: dict[str, str] = {
    name: f"mon-compte:{name}"
    for name in (
        "identity",
        "mandates",
        "cotisations",
        "notifications",
        "attestations",
        "appointments",
        "gateway",
    )
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


KEYS_UNAVAILABLE = (
    "La vérification des jetons d'accès est momentanément indisponible. "
    "Réessayez dans quelques instants."
)


class TokenVerifier:
    """Verifies access tokens against identity's JWKS.

    The key set is cached for ``ttl_s`` and fetched again when a token names a key id it does
    not hold (at most every ``min_refresh_interval_s``). When a refresh fails (identity
    unreachable, an error, an unreadable answer), the last good key set keeps serving for
    ``grace_s`` past its ``ttl_s``, identity being asked again at most every
    ``retry_interval_s``; after that, and before any key set was ever fetched, every call is
    :class:`Unavailable` (503 with ``Retry-After``), never a 500. A refreshed key set that no
    longer holds a key id evicts at once the verified tokens that key signed.
    """

    def __init__(
        self,
        fetch_jwks: JwksFetcher,
        *,
        audience: str,
        issuer: str = ISSUER,
        ttl_s: float = 300.0,
        grace_s: float = 900.0,
        min_refresh_interval_s: float = 5.0,
        retry_interval_s: float = 5.0,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch_jwks
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._grace_s = grace_s
        self._min_refresh_s = min_refresh_interval_s
        self._retry_s = retry_interval_s
        self._clock = clock or SystemClock()
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._verified: OrderedDict[str, tuple[int, str, Principal]] = OrderedDict()
        self._cache_size = 10_000
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._failing_since: float | None = None
        self._last_error = ""
        self.refresh_failures = 0
        """Failed refreshes since the process started (a figure for tests and operators)."""
        self._lock = asyncio.Lock()

    @property
    def audience(self) -> str:
        return self._audience

    async def _key_set(self, *, force: bool = False) -> KeySet:
        now = self._monotonic()
        if self._keys is not None and not force and now - self._fetched_at <= self._ttl_s:
            return self._keys
        if self._lock.locked() and self._keys is not None and not force:
            # another call is refreshing (identity may take its whole timeout to answer):
            # this one does not queue behind it while the last good keys are still usable
            return self._usable(now)
        async with self._lock:
            now = self._monotonic()
            age = now - self._fetched_at
            wanted = (
                self._keys is None or age > self._ttl_s or (force and age >= self._min_refresh_s)
            )
            may_ask = (
                self._failing_since is None
                or self._last_attempt is None
                or now - self._last_attempt >= self._retry_s
            )
            if wanted and may_ask:
                await self._refresh(now)
            return self._usable(self._monotonic())

    async def _refresh(self, now: float) -> None:
        self._last_attempt = now
        try:
            keys = KeySet.import_key_set(await self._fetch())  # type: ignore[arg-type]
        except Exception as exc:  # unreachable, an error status, an unreadable body: all alike
            self.refresh_failures += 1
            self._failing_since = self._failing_since if self._failing_since is not None else now
            self._last_error = describe(exc, limit=200)
            _log.warning("jwks_refresh_failed", error=self._last_error)
            return
        self._keys, self._fetched_at, self._failing_since = keys, now, None
        self._kids = frozenset(k.kid for k in keys.keys if k.kid is not None)
        gone = [t for t, (_, kid, _) in self._verified.items() if kid not in self._kids]
        for token in gone:
            del self._verified[token]

    def _usable(self, now: float) -> KeySet:
        if self._keys is None or now - self._fetched_at > self._ttl_s + self._grace_s:
            raise Unavailable(KEYS_UNAVAILABLE, max(1, math.ceil(self._retry_s)))
        return self._keys

    def jwks_state(self) -> str:
        """The key set's state, in words for whoever reads ``/health/ready``: ``not fetched
        yet``, ``ok``, ``grace`` (identity unreachable, the last good set still serving) or
        ``unavailable`` (calls get 503)."""
        now = self._monotonic()
        failing = ""
        if self._failing_since is not None:
            failing = (
                f"identity unreachable for {now - self._failing_since:.0f} s ({self._last_error})"
            )
        if self._keys is None:
            return f"unavailable: never fetched, {failing}" if failing else "not fetched yet"
        age = now - self._fetched_at
        if age > self._ttl_s + self._grace_s:
            return f"unavailable: key set fetched {age:.0f} s ago, past its grace; {failing}"
        if failing:
            left = self._ttl_s + self._grace_s - age
            return (
                f"grace: serving the key set fetched {age:.0f} s ago "
                f"for {left:.0f} s more; {failing}"
            )
        return f"ok: {len(self._kids)} key(s), fetched {age:.0f} s ago"

    async def warm_up(self) -> None:
        """Fetch the first key set before any token needs it: an api runs this in the
        background from its start (``servicekit.http.create_http_app``), so that its first
        request does not wait for identity (and for the HTTP client's first import). While
        identity does not answer, it is asked again every ``retry_interval_s``. Its failures
        are not the key set's state: an api started before identity stays ready, and a token
        that comes first fetches the key set itself, as before."""
        while self._keys is None:
            if not self._lock.locked():
                async with self._lock:
                    if self._keys is None:
                        await self._prefetch()
            if self._keys is None:
                await asyncio.sleep(self._retry_s)

    async def _prefetch(self) -> None:
        try:
            body = await self._fetch()
            keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
        except Exception as exc:
            _log.info("jwks_warm_up_waiting", error=describe(exc, limit=200))
            return
        if self._keys is None:
            self._keys, self._fetched_at = keys, self._monotonic()
            self._kids = frozenset(k.kid for k in keys.keys if k.kid is not None)

    async def refresh_if_stale(self) -> None:
        """Refresh a key set past its ttl (readiness calls it, so the state it reports is not
        older than the probe); never fetches the first one, which :meth:`warm_up` (or the
        first token) does."""
        if self._keys is None:
            return
        with contextlib.suppress(Unavailable):
            await self._key_set()

    async def verify(self, token: str) -> Principal:
        """The token's principal. A token already verified (same bytes, signature included) is
        answered from a bounded cache until it expires, as long as the key that signed it is
        still published: clients reuse a token for minutes, and the signature check would
        otherwise dominate a read."""
        now = int(self._clock.now().timestamp())
        await self._key_set()  # refreshes a stale key set, which evicts the tokens of removed keys
        cached = self._verified.get(token)
        if cached is not None:
            if cached[0] > now and cached[1] in self._kids:
                self._verified.move_to_end(token)
                return cached[2]
            del self._verified[token]
        principal, exp, kid = await self._verify(token, now)
        self._verified[token] = (exp, kid, principal)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str, now: int) -> tuple[Principal, int, str]:
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
        if kid not in self._kids:
            keys = await self._key_set(force=True)
        if kid not in self._kids:
            if self._failing_since is not None:  # perhaps a new key: it cannot be told now
                raise Unavailable(KEYS_UNAVAILABLE, max(1, math.ceil(self._retry_s)))
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
        return principal, int(claims["exp"]), kid


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
