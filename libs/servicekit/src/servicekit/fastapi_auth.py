"""FastAPI dependencies that turn the ``Authorization`` header into a :class:`Principal`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from servicekit.auth import ActorKind, Principal, TokenVerifier
from servicekit.logging import register_secret
from servicekit.problems import Forbidden, Unauthorized

PrincipalDependency = Callable[..., Awaitable[Principal]]

BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="Le jeton d'accès délivré par identity (`POST /v1/auth/token`).",
    auto_error=False,
)
"""The security scheme every api's OpenAPI declares, so its ``/docs`` page can send a token."""

DeclaredBearer = Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]


def bearer_principal(verifier: TokenVerifier) -> PrincipalDependency:
    async def principal(request: Request, _declared: DeclaredBearer) -> Principal:
        # The header is read here, as it always was, rather than from ``_declared``: HTTPBearer
        # would turn a blank token into no credentials, and the refusal would change its words.
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized
        register_secret(token.strip())
        return await verifier.verify(token.strip())

    return principal


def require_actor(principal: Principal, *kinds: ActorKind) -> None:
    if principal.actor not in kinds:
        raise Forbidden(
            "Cette action est réservée aux profils : " + ", ".join(kinds) + ".",
            kind="actor-not-allowed",
        )
