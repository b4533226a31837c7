"""identity's HTTP API: routes translate the request into one command and call the bus."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request, status
from servicekit.health import database_check
from servicekit.http import create_http_app
from servicekit.ratelimit import limit_by_client

from identity.bootstrap import IdentityApp
from identity.domain import commands, errors
from identity.entrypoints.http_auth import auth_router
from identity.entrypoints.http_schemas import (
    AccountActivated,
    ActivationRequest,
    AssureCreate,
    AssureCreated,
    CabinetCreate,
    CabinetCreated,
    RenewalRequest,
)
from identity.entrypoints.problems import to_problem


def _router(app: IdentityApp) -> APIRouter:
    router = APIRouter(prefix="/v1")
    settings = app.settings
    signup_limit = limit_by_client(app.limiter(settings.rate_limit_signup_per_minute), "signup")
    activation_limit = limit_by_client(
        app.limiter(settings.rate_limit_activation_per_minute), "activation"
    )

    @router.post(
        "/cabinets",
        status_code=status.HTTP_201_CREATED,
        response_model=CabinetCreated,
        tags=["cabinets"],
        summary="Inscrire un cabinet d'expertise comptable",
        responses={
            409: {"description": "SIRET already registered"},
            422: {},
            413: {},
            429: {},
            503: {},
        },
        dependencies=[Depends(signup_limit)],
    )
    async def register_cabinet(body: CabinetCreate) -> CabinetCreated:
        try:
            result = await app.bus.handle(
                commands.RegisterCabinet(
                    raison_sociale=body.raison_sociale,
                    siret=body.siret,
                    address=body.address,
                    admin_first_name=body.admin_first_name,
                    admin_last_name=body.admin_last_name,
                    email=str(body.email),
                    password=body.password,
                )
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return CabinetCreated(**result)

    @router.post(
        "/assures",
        status_code=status.HTTP_201_CREATED,
        response_model=AssureCreated,
        tags=["assurés"],
        summary="Créer son compte d'assuré (NIR, date et nom de naissance, e-mail, mot de passe)",
        responses={409: {}, 413: {}, 422: {}, 429: {}, 503: {}},
        dependencies=[Depends(signup_limit)],
    )
    async def register_assure(body: AssureCreate) -> AssureCreated:
        try:
            result = await app.bus.handle(
                commands.RegisterAssure(
                    nir=body.nir,
                    birth_date=body.birth_date,
                    birth_name=body.birth_name,
                    email=str(body.email),
                    password=body.password,
                )
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return AssureCreated(**result)

    @router.post(
        "/accounts/activation/renewal",
        status_code=status.HTTP_202_ACCEPTED,
        tags=["accounts"],
        summary="Recevoir un nouveau lien d'activation (même réponse pour toute adresse)",
        responses={422: {}, 429: {}},
        dependencies=[Depends(activation_limit)],
    )
    async def renew(body: RenewalRequest) -> dict[str, str]:
        await app.bus.handle(commands.RenewActivation(email=str(body.email)))
        return {
            "detail": "Si un compte en attente d'activation existe pour cette adresse, "
            "un nouveau lien vient d'y être envoyé."
        }

    @router.post(
        "/accounts/activation",
        response_model=AccountActivated,
        tags=["accounts"],
        summary="Activer un compte avec le jeton du lien d'activation",
        responses={404: {}, 409: {}, 410: {}, 422: {}, 429: {}, 503: {}},
        dependencies=[Depends(activation_limit)],
    )
    async def activate(body: ActivationRequest) -> AccountActivated:
        try:
            result = await app.bus.handle(
                commands.ActivateAccount(token=body.token, password=body.password)
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return AccountActivated(**result)

    @router.get(
        "/accounts/activation",
        tags=["accounts"],
        summary="Page d'atterrissage du lien d'activation (sans effet)",
    )
    async def activation_landing(request: Request) -> dict[str, str]:
        return {
            "detail": "Pour activer le compte, envoyez ce jeton en POST sur cette adresse.",
            "method": "POST",
            "url": str(request.url.remove_query_params("token")),
        }

    return router


def create_app(app: IdentityApp) -> FastAPI:
    return create_http_app(
        service="identity",
        title="identity — Mon compte",
        description="Comptes des assurés, cabinets d'expertise comptable, authentification.",
        routers=[_router(app), auth_router(app)],
        checks=[database_check(app.engine)],
        lifespan=app.runtime.api_lifespan(on_start=[app.start_api], on_stop=[app.stop_api]),
        idempotency=app.runtime.idempotency(),
        max_body_bytes=app.settings.http_max_body_bytes,
    )
