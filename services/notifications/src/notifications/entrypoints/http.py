"""notifications' HTTP API: operators see parked deliveries and send them again."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from contracts.topics import CATALOGUE
from fastapi import APIRouter, Depends, FastAPI, Query
from servicekit.auth import Principal, TokenVerifier, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal, require_actor
from servicekit.health import database_check
from servicekit.http import create_http_app
from servicekit.problems import Conflict, NotFound

from notifications.bootstrap import NotificationsApp
from notifications.domain.model import Delivery, DeliveryNotParked
from notifications.domain.replay import DlqReplay
from notifications.entrypoints.http_schemas import (
    DeliveryList,
    DeliveryRead,
    DlqReplayCreate,
    DlqReplayRead,
)
from notifications.service_layer import operators

CONSUMED_TOPICS = frozenset(t.name for t in CATALOGUE if "notifications" in t.consumers)


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
    router = APIRouter(prefix="/v1/operator", tags=["operator"])
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
        items = await operators.list_deliveries(app.new_uow, state, limit)
        return DeliveryList(items=[_read(d) for d in items])

    @router.post(
        "/deliveries/{delivery_id}/retry",
        response_model=DeliveryRead,
        summary="Renvoyer une remise mise en attente",
        responses={404: {}, 409: {}},
    )
    async def retry(delivery_id: str, _: Annotated[Principal, Depends(agent)]) -> DeliveryRead:
        try:
            delivery = await operators.retry_delivery(app.new_uow, app.deps, delivery_id)
        except operators.DeliveryNotFound as exc:
            raise NotFound(str(exc), kind="delivery-not-found") from exc
        except DeliveryNotParked as exc:
            raise Conflict(str(exc), kind="delivery-not-parked") from exc
        return _read(delivery)

    @router.post(
        "/dlq-replays",
        response_model=DlqReplayRead,
        status_code=202,
        summary="Rejouer les lettres mortes d'un sujet consommé",
        responses={404: {}, 422: {}},
    )
    async def request_replay(
        body: DlqReplayCreate, who: Annotated[Principal, Depends(agent)]
    ) -> DlqReplayRead:
        if body.topic not in CONSUMED_TOPICS:
            raise NotFound(
                f"notifications ne consomme pas le sujet {body.topic}.", kind="topic-not-consumed"
            )
        replay = await operators.request_replay(
            app.new_uow, app.deps, body.topic, body.limit, who.subject
        )
        return _replay(replay)

    @router.get(
        "/dlq-replays/{replay_id}",
        response_model=DlqReplayRead,
        summary="État d'une demande de rejeu",
        responses={404: {}},
    )
    async def get_replay(replay_id: str, _: Annotated[Principal, Depends(agent)]) -> DlqReplayRead:
        try:
            return _replay(await operators.get_replay(app.new_uow, replay_id))
        except operators.ReplayNotFound as exc:
            raise NotFound(str(exc), kind="replay-not-found") from exc

    return router


def _replay(r: DlqReplay) -> DlqReplayRead:
    return DlqReplayRead(
        replay_id=r.id,
        topic=r.topic,
        dlq=r.dlq,
        limit=r.limit,
        state=r.state,
        replayed=r.replayed,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        finished_at=r.finished_at,
        error=r.error,
    )


def create_app(app: NotificationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(http_jwks_fetcher(app.settings.jwks_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if app.settings.migrate_on_start:
            await app.migrate()
        yield
        await app.stop()

    return create_http_app(
        service="notifications",
        title="notifications — Mon compte",
        description="Courriels et courriers de la plateforme ; actions des opérateurs.",
        routers=[_router(app, verifier)],
        checks=[database_check(app.engine)],
        lifespan=lifespan,
    )
