"""A firm's clients over HTTP: list, add, read, delete, re-issue a key, activate, move."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from servicekit.auth import Principal

from mandates.bootstrap import MandatesApp
from mandates.domain import commands
from mandates.entrypoints.http_schemas import (
    ClientCreate,
    ClientPage,
    ClientRead,
    KeyEntry,
    Move,
    Sort,
    StateFilter,
    client_read,
    client_state_read,
)
from mandates.service_layer import views
from mandates.service_layer.ports import ClientQuery

Responses = dict[int | str, dict[str, Any]]
ERRORS: Responses = {401: {}, 403: {}, 404: {}, 422: {}}
WRITE_ERRORS: Responses = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


def clients_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cabinets/{cabinet_id}/clients", tags=["clients"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get("", response_model=ClientPage, summary="Lister les clients", responses=ERRORS)
    async def list_(
        cabinet_id: str,
        principal: Who,
        q: Annotated[str | None, Query(max_length=100, description="nom ou SIREN")] = None,
        state: Annotated[list[StateFilter] | None, Query()] = None,
        portfolio_id: Annotated[str | None, Query()] = None,
        sort: Sort = "name",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> ClientPage:
        query = ClientQuery(
            cabinet_id=cabinet_id,
            text=q,
            states=tuple(state or ()),
            portfolio_ids=[portfolio_id] if portfolio_id else None,
            sort=sort,
            page=page,
            size=size,
        )
        found = await views.list_clients(app.new_uow(read_only=True), principal, query)
        return ClientPage(
            items=[client_read(m) for m in found.items],
            total=found.total,
            page=found.page,
            size=found.size,
        )

    @router.post(
        "",
        response_model=ClientRead,
        status_code=201,
        summary="Ajouter un client et lui envoyer sa clé d'activation par courrier",
        responses=WRITE_ERRORS,
    )
    async def add(cabinet_id: str, body: ClientCreate, principal: Who) -> ClientRead:
        state = await app.bus.handle(
            commands.AddClient(
                principal, cabinet_id, body.identifier, body.name, body.nir, body.portfolio_id
            )
        )
        return client_state_read(state)

    @router.get(
        "/{client_id}",
        response_model=ClientRead,
        summary="Un client et son historique",
        responses=ERRORS,
    )
    async def read(cabinet_id: str, client_id: str, principal: Who) -> ClientRead:
        state = await views.client_view(
            app.new_uow(read_only=True), principal, cabinet_id, client_id
        )
        return client_state_read(state)

    @router.delete(
        "/{client_id}",
        status_code=204,
        summary="Supprimer un client (demande supprimée, ou mandat terminé)",
        responses=WRITE_ERRORS,
    )
    async def delete(cabinet_id: str, client_id: str, principal: Who) -> Response:
        await app.bus.handle(commands.DeleteClient(principal, cabinet_id, client_id))
        return Response(status_code=204)

    @router.post(
        "/{client_id}/key",
        response_model=ClientRead,
        status_code=202,
        summary="Réémettre une clé : l'ancienne ne vaut plus, un nouveau courrier part",
        responses=WRITE_ERRORS,
    )
    async def reissue(cabinet_id: str, client_id: str, principal: Who) -> ClientRead:
        state = await app.bus.handle(commands.ReissueKey(principal, cabinet_id, client_id))
        return client_state_read(state)

    @router.post(
        "/{client_id}/activation",
        response_model=ClientRead,
        summary="Saisir la clé d'activation reçue par le client : active le mandat",
        responses={
            **WRITE_ERRORS,
            422: {"description": "faute de frappe (aucun essai décompté) ou clé erronée"},
            409: {"description": "demande verrouillée, ou déjà activée"},
        },
    )
    async def activate(
        cabinet_id: str, client_id: str, body: KeyEntry, principal: Who
    ) -> ClientRead:
        state = await app.bus.handle(
            commands.ActivateMandate(principal, cabinet_id, client_id, body.key)
        )
        return client_state_read(state)

    @router.post(
        "/{client_id}/move",
        response_model=ClientRead,
        summary="Déplacer un client vers un autre portefeuille (administrateurs)",
        responses=WRITE_ERRORS,
    )
    async def move(cabinet_id: str, client_id: str, body: Move, principal: Who) -> ClientRead:
        state = await app.bus.handle(
            commands.MoveClient(principal, cabinet_id, client_id, body.portfolio_id)
        )
        return client_state_read(state)

    return router
