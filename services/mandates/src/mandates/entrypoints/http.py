"""mandates' HTTP API: a firm's clients, activation keys, portfolios; the client's mandate.

Routes translate the request into one command and call the bus (reads go to
``service_layer/views.py``); every domain refusal is answered by ``problems.py``.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Response
from servicekit.auth import Principal, TokenVerifier, audience_of, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import database_check, jwks_check
from servicekit.http import create_http_app

from mandates.bootstrap import MandatesApp
from mandates.domain import commands
from mandates.entrypoints import problems
from mandates.entrypoints.http_clients import clients_router
from mandates.entrypoints.http_imports import imports_router
from mandates.entrypoints.http_portfolios import portfolios_router
from mandates.entrypoints.http_schemas import WAITING_STATES, MyMandates, held_read
from mandates.service_layer import views

AUDIENCE = audience_of("mandates")
"""The audience mandates checks in every access token it accepts."""


def _me_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/me/mandates", tags=["client"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get(
        "",
        response_model=MyMandates,
        summary="Qui détient mon mandat, ce qu'il lui ouvre, depuis quand, tout son historique",
        responses={401: {}, 403: {}},
    )
    async def mine(principal: Who) -> MyMandates:
        held = await views.my_mandates(app.new_uow(read_only=True), principal)
        current = next((h for h in held if h.mandate.state == "active"), None)
        pending = [h for h in held if h.mandate.state in WAITING_STATES]
        return MyMandates(
            current=held_read(current) if current else None,
            pending=[held_read(h) for h in pending],
            past=[held_read(h) for h in held if h is not current and h not in pending],
        )

    @router.delete(
        "/current",
        status_code=204,
        summary="Révoquer mon mandat : effet immédiat",
        responses={401: {}, 403: {}, 404: {}},
    )
    async def revoke(principal: Who) -> Response:
        await app.bus.handle(commands.RevokeMandate(principal))
        return Response(status_code=204)

    return router


def create_app(app: MandatesApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(
        http_jwks_fetcher(app.settings.jwks_url),
        audience=AUDIENCE,
        ttl_s=app.settings.jwks_ttl_s,
        grace_s=app.settings.jwks_grace_s,
    )
    who = bearer_principal(verifier)

    api = create_http_app(
        service="mandates",
        title="mandates — Mon compte",
        description="Les clients des cabinets, les clés d'activation, les mandats et les "
        "portefeuilles.",
        routers=[
            clients_router(app, who),
            imports_router(app, who),
            portfolios_router(app, who),
            _me_router(app, who),
            app.runtime.operator_router(who),
        ],
        checks=[database_check(app.engine), jwks_check(verifier)],
        verifier=verifier,
        lifespan=app.runtime.api_lifespan(
            on_start=[app.freeze_startup_objects], on_stop=[app.unfreeze_objects]
        ),
        idempotency=app.runtime.idempotency(),
        idempotency_exclude=[r"^/v1/cabinets/[^/]+/imports$"],  # the key names the import
        max_body_bytes=app.settings.import_max_bytes,
    )
    problems.install(api)
    return api
