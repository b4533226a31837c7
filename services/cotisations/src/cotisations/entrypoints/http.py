"""cotisations' HTTP API: « Consulter les données du compte »."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, Field
from servicekit.auth import Principal, TokenVerifier, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import database_check
from servicekit.http import create_http_app
from servicekit.problems import ValidationProblem

from cotisations.bootstrap import CotisationsApp
from cotisations.domain.errors import InvalidComputationInput
from cotisations.service_layer import handlers


class InstalmentRead(BaseModel):
    due_date: date
    amount: str = Field(examples=["1561.75"], description="EUR, decimal string")


class AccountRead(BaseModel):
    affiliate_id: str
    category: str
    departement: str
    periodicity: str
    debit_day: int
    payment_mode: str
    opened_on: date
    closed_on: date | None
    year: int
    provisional_total: str
    lines: dict[str, str]
    echeancier: list[InstalmentRead]


def _router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.get(
        "/{affiliate_id}",
        response_model=AccountRead,
        summary="Consulter les données du compte : cotisations de l'année et échéancier",
        responses={401: {}, 403: {}, 404: {}, 422: {}},
    )
    async def read(
        affiliate_id: str,
        who: Annotated[Principal, Depends(principal)],
        year: Annotated[int | None, Query(ge=2025, le=2026)] = None,
    ) -> AccountRead:
        account = await handlers.account_for(who, affiliate_id, app.new_uow())
        year = year or app.clock.now().year
        try:
            computed = account.provisional(year)
            schedule = account.schedule(year)
        except InvalidComputationInput as exc:
            raise ValidationProblem(exc.message) from exc
        return AccountRead(
            affiliate_id=account.affiliate_id,
            category=account.category,
            departement=account.departement,
            periodicity=account.periodicity,
            debit_day=account.debit_day,
            payment_mode=account.payment_mode,
            opened_on=account.opened_on,
            closed_on=account.closed_on,
            year=year,
            provisional_total=f"{computed.total:.2f}",
            lines={k: f"{v:.2f}" for k, v in computed.lines.items()},
            echeancier=[
                InstalmentRead(due_date=i.due_date, amount=f"{i.amount:.2f}") for i in schedule
            ],
        )

    return router


def create_app(app: CotisationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(http_jwks_fetcher(app.settings.jwks_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if app.settings.migrate_on_start:
            await app.migrate()
        yield
        await app.stop()

    return create_http_app(
        service="cotisations",
        title="cotisations — Mon compte",
        description="Le compte cotisant : cotisations, échéancier, accès des cabinets mandatés.",
        routers=[_router(app, verifier)],
        checks=[database_check(app.engine)],
        lifespan=lifespan,
    )
