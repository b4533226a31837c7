"""mandates' HTTP API: a firm's clients, activation keys, portfolios; the client's mandate."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from servicekit.auth import Principal, TokenVerifier, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import database_check
from servicekit.http import create_http_app

from mandates.bootstrap import MandatesApp
from mandates.domain.model import MAX_WRONG_KEYS, HistoryEntry, Mandate, Portfolio
from mandates.entrypoints.imports_http import imports_router
from mandates.service_layer import assures, clients, portfolios
from mandates.service_layer.ports import ClientQuery

StateFilter = Literal["requested", "letter_sent", "active", "locked", "ended", "deleted"]
Sort = Literal["name", "-name", "siren", "-siren", "added", "-added", "state", "-state"]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(
        min_length=9, max_length=20, examples=["73282932000074"], description="SIREN ou SIRET"
    )
    name: str = Field(min_length=1, max_length=200, examples=["Boulangerie Dupont"])
    nir: str | None = Field(default=None, max_length=21, description="NIR, facultatif")
    portfolio_id: str | None = Field(
        default=None, description="Portefeuille ; par défaut celui du cabinet"
    )


class HistoryRead(BaseModel):
    at: datetime
    transition: str
    detail: str


class ClientRead(BaseModel):
    id: str
    affiliate_id: str = Field(
        description="the client's dossier in the other services (its contribution account, "
        "its personal data), reachable once the mandate is active"
    )
    siren: str
    name: str
    portfolio_id: str
    state: str
    letter_status: str | None
    key_issued_at: datetime
    attempts_left: int
    activated_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    added_at: datetime
    history: list[HistoryRead] | None = None


class ClientPage(BaseModel):
    items: list[ClientRead]
    total: int
    page: int
    size: int


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=40, examples=["7KX4M-QP9ZD-H3T2W"])


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portfolio_id: str


class PortfolioWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["Clients Lyon"])


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_account_id: str


class PortfolioRead(BaseModel):
    id: str
    name: str
    owner_account_id: str | None
    is_default: bool
    subscribers: list[str] = Field(default_factory=list)
    clients: int = 0


class HeldMandateRead(BaseModel):
    mandate_id: str
    cabinet_id: str
    cabinet_name: str
    state: str
    since: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    history: list[HistoryRead]


class MyMandates(BaseModel):
    current: HeldMandateRead | None
    past: list[HeldMandateRead]


def _history(entries: list[HistoryEntry]) -> list[HistoryRead]:
    return [HistoryRead(at=h.at, transition=h.transition, detail=h.detail) for h in entries]


def client_read(m: Mandate, history: list[HistoryEntry] | None = None) -> ClientRead:
    return ClientRead(
        id=m.id,
        affiliate_id=m.affiliate_id,
        siren=m.siren,
        name=m.client_name,
        portfolio_id=m.portfolio_id,
        state=m.state,
        letter_status=m.letter_status,
        key_issued_at=m.issued_at,
        attempts_left=max(MAX_WRONG_KEYS - m.failed_attempts, 0),
        activated_at=m.activated_at,
        ended_at=m.ended_at,
        ended_by=m.ended_by,
        added_at=m.created_at,
        history=_history(history) if history is not None else None,
    )


def _portfolio_read(
    p: Portfolio, subscribers: list[str] | None = None, count: int = 0
) -> PortfolioRead:
    return PortfolioRead(
        id=p.id,
        name=p.name,
        owner_account_id=p.owner_account_id,
        is_default=p.is_default,
        subscribers=subscribers or [],
        clients=count,
    )


Responses = dict[int | str, dict[str, Any]]
_ERRORS: Responses = {401: {}, 403: {}, 404: {}, 422: {}}
_WRITE_ERRORS: Responses = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


def _clients_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cabinets/{cabinet_id}/clients", tags=["clients"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get("", response_model=ClientPage, summary="Lister les clients", responses=_ERRORS)
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
        found = await clients.list_clients(app.new_uow(read_only=True), principal, query)
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
        responses=_WRITE_ERRORS,
    )
    async def add(cabinet_id: str, body: ClientCreate, principal: Who) -> ClientRead:
        candidate = clients.Candidate(body.identifier, body.name, body.nir)
        mandate = await clients.add_client(
            app.new_uow(), app.deps, principal, cabinet_id, candidate, body.portfolio_id
        )
        return client_read(mandate)

    @router.get(
        "/{client_id}",
        response_model=ClientRead,
        summary="Un client et son historique",
        responses=_ERRORS,
    )
    async def read(cabinet_id: str, client_id: str, principal: Who) -> ClientRead:
        mandate, history = await clients.client_view(
            app.new_uow(read_only=True), principal, cabinet_id, client_id
        )
        return client_read(mandate, history)

    @router.delete(
        "/{client_id}",
        status_code=204,
        summary="Supprimer un client (demande supprimée, ou mandat terminé)",
        responses=_WRITE_ERRORS,
    )
    async def delete(cabinet_id: str, client_id: str, principal: Who) -> Response:
        await clients.delete_client(app.new_uow(), app.deps, principal, cabinet_id, client_id)
        return Response(status_code=204)

    @router.post(
        "/{client_id}/key",
        response_model=ClientRead,
        status_code=202,
        summary="Réémettre une clé : l'ancienne ne vaut plus, un nouveau courrier part",
        responses=_WRITE_ERRORS,
    )
    async def reissue(cabinet_id: str, client_id: str, principal: Who) -> ClientRead:
        mandate = await clients.reissue_key(
            app.new_uow(), app.deps, principal, cabinet_id, client_id
        )
        return client_read(mandate)

    @router.post(
        "/{client_id}/activation",
        response_model=ClientRead,
        summary="Saisir la clé d'activation reçue par le client : active le mandat",
        responses={
            **_WRITE_ERRORS,
            422: {"description": "faute de frappe (aucun essai décompté) ou clé erronée"},
            409: {"description": "demande verrouillée, ou déjà activée"},
        },
    )
    async def activate(
        cabinet_id: str, client_id: str, body: KeyEntry, principal: Who
    ) -> ClientRead:
        mandate = await clients.enter_key(
            app.new_uow(), app.deps, principal, cabinet_id, client_id, body.key
        )
        return client_read(mandate)

    @router.post(
        "/{client_id}/move",
        response_model=ClientRead,
        summary="Déplacer un client vers un autre portefeuille (administrateurs)",
        responses=_WRITE_ERRORS,
    )
    async def move(cabinet_id: str, client_id: str, body: Move, principal: Who) -> ClientRead:
        mandate = await clients.move_client(
            app.new_uow(), app.deps, principal, cabinet_id, client_id, body.portfolio_id
        )
        return client_read(mandate)

    return router


def _portfolios_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cabinets/{cabinet_id}/portfolios", tags=["portfolios"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get(
        "",
        response_model=list[PortfolioRead],
        summary="Les portefeuilles visibles",
        responses=_ERRORS,
    )
    async def list_(cabinet_id: str, principal: Who) -> list[PortfolioRead]:
        found = await portfolios.list_portfolios(app.new_uow(read_only=True), principal, cabinet_id)
        return [_portfolio_read(p, subs, n) for p, subs, n in found]

    @router.post(
        "",
        response_model=PortfolioRead,
        status_code=201,
        summary="Créer un portefeuille",
        responses=_WRITE_ERRORS,
    )
    async def create(cabinet_id: str, body: PortfolioWrite, principal: Who) -> PortfolioRead:
        p = await portfolios.create_portfolio(
            app.new_uow(), app.deps, principal, cabinet_id, body.name
        )
        return _portfolio_read(p)

    @router.patch(
        "/{portfolio_id}",
        response_model=PortfolioRead,
        summary="Renommer un portefeuille",
        responses=_WRITE_ERRORS,
    )
    async def rename(
        cabinet_id: str, portfolio_id: str, body: PortfolioWrite, principal: Who
    ) -> PortfolioRead:
        p = await portfolios.rename_portfolio(
            app.new_uow(), app.deps, principal, cabinet_id, portfolio_id, body.name
        )
        return _portfolio_read(p)

    @router.delete(
        "/{portfolio_id}",
        status_code=204,
        summary="Supprimer un portefeuille vide",
        responses=_WRITE_ERRORS,
    )
    async def delete(cabinet_id: str, portfolio_id: str, principal: Who) -> Response:
        await portfolios.delete_portfolio(
            app.new_uow(), app.deps, principal, cabinet_id, portfolio_id
        )
        return Response(status_code=204)

    @router.put(
        "/{portfolio_id}/subscribers/{account_id}",
        status_code=204,
        summary="Abonner un collaborateur au portefeuille",
        responses=_WRITE_ERRORS,
    )
    async def subscribe(
        cabinet_id: str, portfolio_id: str, account_id: str, principal: Who
    ) -> Response:
        await portfolios.set_subscription(
            app.new_uow(),
            app.deps,
            principal,
            cabinet_id,
            portfolio_id,
            account_id,
            subscribed=True,
        )
        return Response(status_code=204)

    @router.delete(
        "/{portfolio_id}/subscribers/{account_id}",
        status_code=204,
        summary="Désabonner un collaborateur du portefeuille",
        responses=_WRITE_ERRORS,
    )
    async def unsubscribe(
        cabinet_id: str, portfolio_id: str, account_id: str, principal: Who
    ) -> Response:
        await portfolios.set_subscription(
            app.new_uow(),
            app.deps,
            principal,
            cabinet_id,
            portfolio_id,
            account_id,
            subscribed=False,
        )
        return Response(status_code=204)

    @router.post(
        "/{portfolio_id}/transfer",
        response_model=PortfolioRead,
        summary="Transférer le portefeuille à un autre administrateur",
        responses=_WRITE_ERRORS,
    )
    async def transfer(
        cabinet_id: str, portfolio_id: str, body: Transfer, principal: Who
    ) -> PortfolioRead:
        p = await portfolios.transfer_portfolio(
            app.new_uow(), app.deps, principal, cabinet_id, portfolio_id, body.to_account_id
        )
        return _portfolio_read(p)

    return router


def _held(h: assures.HeldMandate) -> HeldMandateRead:
    m = h.mandate
    return HeldMandateRead(
        mandate_id=m.id,
        cabinet_id=m.cabinet_id,
        cabinet_name=h.cabinet_name,
        state=m.state,
        since=m.activated_at,
        ended_at=m.ended_at,
        ended_by=m.ended_by,
        history=_history(h.history),
    )


def _me_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/me/mandates", tags=["client"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.get(
        "",
        response_model=MyMandates,
        summary="Qui détient mon mandat, depuis quand, historique",
        responses={401: {}, 403: {}},
    )
    async def mine(principal: Who) -> MyMandates:
        held = await assures.my_mandates(app.new_uow(read_only=True), principal)
        current = next((h for h in held if h.mandate.state == "active"), None)
        return MyMandates(
            current=_held(current) if current else None,
            past=[_held(h) for h in held if h is not current],
        )

    @router.delete(
        "/current",
        status_code=204,
        summary="Révoquer mon mandat : effet immédiat",
        responses={401: {}, 403: {}, 404: {}},
    )
    async def revoke(principal: Who) -> Response:
        await assures.revoke(app.new_uow(), app.deps, principal)
        return Response(status_code=204)

    return router


def create_app(app: MandatesApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(http_jwks_fetcher(app.settings.jwks_url))
    who = bearer_principal(verifier)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if app.settings.migrate_on_start:
            await app.migrate()
        yield
        await app.stop()

    return create_http_app(
        service="mandates",
        title="mandates — Mon compte",
        description="Les clients des cabinets, les clés d'activation, les mandats et les "
        "portefeuilles.",
        routers=[
            _clients_router(app, who),
            imports_router(app, who),
            _portfolios_router(app, who),
            _me_router(app, who),
        ],
        checks=[database_check(app.engine)],
        lifespan=lifespan,
        max_body_bytes=app.settings.import_max_bytes,
    )
