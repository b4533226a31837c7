"""A firm's portfolios over HTTP: list, create, rename, delete, subscribers, transfer."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from servicekit.auth import Principal

from mandates.bootstrap import MandatesApp
from mandates.domain import commands
from mandates.entrypoints.http_clients import ERRORS, WRITE_ERRORS
from mandates.entrypoints.http_schemas import (
    PortfolioRead,
    PortfolioWrite,
    Transfer,
    portfolio_read,
)
from mandates.service_layer import views


def portfolios_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cabinets/{cabinet_id}/portfolios", tags=["portfolios"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get(
        "",
        response_model=list[PortfolioRead],
        summary="Les portefeuilles visibles",
        responses=ERRORS,
    )
    async def list_(cabinet_id: str, principal: Who) -> list[PortfolioRead]:
        found = await views.list_portfolios(app.new_uow(read_only=True), principal, cabinet_id)
        return [portfolio_read(state) for state in found]

    @router.post(
        "",
        response_model=PortfolioRead,
        status_code=201,
        summary="Créer un portefeuille",
        responses=WRITE_ERRORS,
    )
    async def create(cabinet_id: str, body: PortfolioWrite, principal: Who) -> PortfolioRead:
        state = await app.bus.handle(commands.CreatePortfolio(principal, cabinet_id, body.name))
        return portfolio_read(state)

    @router.patch(
        "/{portfolio_id}",
        response_model=PortfolioRead,
        summary="Renommer un portefeuille",
        responses=WRITE_ERRORS,
    )
    async def rename(
        cabinet_id: str, portfolio_id: str, body: PortfolioWrite, principal: Who
    ) -> PortfolioRead:
        state = await app.bus.handle(
            commands.RenamePortfolio(principal, cabinet_id, portfolio_id, body.name)
        )
        return portfolio_read(state)

    @router.delete(
        "/{portfolio_id}",
        status_code=204,
        summary="Supprimer un portefeuille vide",
        responses=WRITE_ERRORS,
    )
    async def delete(cabinet_id: str, portfolio_id: str, principal: Who) -> Response:
        await app.bus.handle(commands.DeletePortfolio(principal, cabinet_id, portfolio_id))
        return Response(status_code=204)

    @router.put(
        "/{portfolio_id}/subscribers/{account_id}",
        status_code=204,
        summary="Abonner un collaborateur au portefeuille",
        responses=WRITE_ERRORS,
    )
    async def subscribe(
        cabinet_id: str, portfolio_id: str, account_id: str, principal: Who
    ) -> Response:
        await app.bus.handle(
            commands.AddSubscriber(principal, cabinet_id, portfolio_id, account_id)
        )
        return Response(status_code=204)

    @router.delete(
        "/{portfolio_id}/subscribers/{account_id}",
        status_code=204,
        summary="Désabonner un collaborateur du portefeuille",
        responses=WRITE_ERRORS,
    )
    async def unsubscribe(
        cabinet_id: str, portfolio_id: str, account_id: str, principal: Who
    ) -> Response:
        await app.bus.handle(
            commands.RemoveSubscriber(principal, cabinet_id, portfolio_id, account_id)
        )
        return Response(status_code=204)

    @router.post(
        "/{portfolio_id}/transfer",
        response_model=PortfolioRead,
        summary="Transférer le portefeuille à un autre administrateur",
        responses=WRITE_ERRORS,
    )
    async def transfer(
        cabinet_id: str, portfolio_id: str, body: Transfer, principal: Who
    ) -> PortfolioRead:
        state = await app.bus.handle(
            commands.TransferPortfolio(principal, cabinet_id, portfolio_id, body.to_account_id)
        )
        return portfolio_read(state)

    return router
