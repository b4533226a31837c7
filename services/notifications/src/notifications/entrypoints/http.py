"""notifications' HTTP API: operators see parked deliveries and send them again.

Routes build one command and call the bus (``app.queries`` for what they read); a domain
refusal is answered by ``problems.py``."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query
from servicekit.auth import Principal, TokenVerifier, audience_of, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal, require_actor
from servicekit.health import database_check, jwks_check
from servicekit.http import create_http_app

from notifications.bootstrap import NotificationsApp
from notifications.domain import commands
from notifications.domain.model import Delivery
from notifications.entrypoints import problems
from notifications.entrypoints.http_schemas import (
    DeliveryList,
    DeliveryRead,
)

AUDIENCE = audience_of("notifications")
"""The audience notifications checks in every access token it accepts."""


def _read(d: Delivery) -> DeliveryRead:
    return DeliveryRead(
        delivery_id=d.id,
        kind=d.kind,
        channel=d.channel,
        recipient=d.recipient,
        state=d.state,
        attempts=d.attempts,
        source_event_id=d.source_event_id,
        created_at=d.created_at,
        sent_at=d.sent_at,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
    )


def _router(app: NotificationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(
        prefix="/v1/operator",
        tags=["operator"],
        responses={403: {"description": "Réservé aux agents (actor-not-allowed)"}},
    )
    principal = bearer_principal(verifier)

    async def agent(p: Annotated[Principal, Depends(principal)]) -> Principal:
        require_actor(p, "agent")
        return p

    @router.get("/deliveries", response_model=DeliveryList, summary="Remises par état")
    async def list_deliveries(
        _: Annotated[Principal, Depends(agent)],
        state: Literal["pending", "sending", "sent", "parked", "skipped"] = "parked",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeliveryList:
        items = await app.queries.handle(commands.ListDeliveries(state, limit))
        return DeliveryList(items=[_read(d) for d in items])

    @router.post(
        "/deliveries/{delivery_id}/retry",
        response_model=DeliveryRead,
        summary="Renvoyer une remise mise en attente",
        responses={404: {}, 409: {}},
    )
    async def retry(delivery_id: str, _: Annotated[Principal, Depends(agent)]) -> DeliveryRead:
        delivery = await problems.call(app.bus, commands.RetryDelivery(delivery_id))
        return _read(delivery)

    return router


def create_app(app: NotificationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(
        http_jwks_fetcher(app.settings.jwks_url),
        audience=AUDIENCE,
        ttl_s=app.settings.jwks_ttl_s,
        grace_s=app.settings.jwks_grace_s,
    )

    return create_http_app(
        service="notifications",
        title="notifications — Mon compte",
        description="Courriels et courriers de la plateforme ; actions des opérateurs.",
        routers=[_router(app, verifier), app.runtime.operator_router(bearer_principal(verifier))],
        checks=[database_check(app.engine), jwks_check(verifier)],
        verifier=verifier,
        lifespan=app.runtime.api_lifespan(on_stop=[app.stop]),
        idempotency=app.runtime.idempotency(),
    )
