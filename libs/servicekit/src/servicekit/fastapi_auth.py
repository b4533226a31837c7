"""FastAPI dependencies that turn the ``Authorization`` header into a :class:`Principal`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from servicekit.auth import ActorKind, Principal, TokenVerifier
from servicekit.problems import Forbidden, Unauthorized

PrincipalDependency = Callable[[Request], Awaitable[Principal]]


def bearer_principal(verifier: TokenVerifier) -> PrincipalDependency:
    async def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized
        return await verifier.verify(token.strip())

    return principal


def require_actor(principal: Principal, *kinds: ActorKind) -> None:
    if principal.actor not in kinds:
        raise Forbidden(
            "Cette action est réservée aux profils : " + ", ".join(kinds) + ".",
            kind="actor-not-allowed",
        )
