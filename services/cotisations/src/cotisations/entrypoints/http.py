"""cotisations' HTTP API: « Consulter les données du compte » and income estimates."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from servicekit.auth import Principal, TokenVerifier, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import database_check
from servicekit.http import create_http_app
from servicekit.problems import Conflict, ValidationProblem

from cotisations.bootstrap import CotisationsApp
from cotisations.domain.account import EstimateLocked
from cotisations.domain.errors import InvalidComputationInput
from cotisations.entrypoints.declarations_http import declarations_router
from cotisations.service_layer import estimates, handlers


class InstalmentRead(BaseModel):
    due_date: date
    amount: str = Field(examples=["1561.75"], description="EUR, decimal string")


class ScheduledInstalmentRead(InstalmentRead):
    status: Literal["due", "upcoming"] = Field(
        description="``due``: the due date has come (payments are not tracked yet)"
    )


class IncomeRead(BaseModel):
    year: int
    amount: str
    kind: Literal["estimate", "definitive"]


class RegularisationRead(BaseModel):
    year: int
    declared_on: date
    definitive_total: str
    called_total: str
    balance: str = Field(description="owed (positive) or refunded (negative)")
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None


class DebtRead(BaseModel):
    origin: str = Field(examples=["regularisation 2025"])
    amount: str
    due_date: date


class DeclarationRead(BaseModel):
    period: str
    turnover: str
    amount: str
    due_date: date


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
    provisional_total: str = Field(
        description="the year's provisional contributions; for a micro-entrepreneur, the sum "
        "of the periods declared so far"
    )
    lines: dict[str, str]
    echeancier: list[ScheduledInstalmentRead]
    incomes: list[IncomeRead]
    regularisations: list[RegularisationRead]
    debts: list[DebtRead]
    declarations: list[DeclarationRead]


class EstimateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2025, le=2026, examples=[2026])
    income: Decimal = Field(
        ge=Decimal(-10_000_000),
        le=Decimal(100_000_000),
        decimal_places=2,
        examples=["42000.00"],
        description="Revenu professionnel estimé (indépendant) ou chiffre d'affaires (micro).",
    )


class EstimateRead(BaseModel):
    affiliate_id: str
    year: int
    income: str
    annual_amount: str
    lines: dict[str, str]
    effective_from: date
    instalments: list[InstalmentRead]
    credit: str
    applied: bool


def _estimate_read(result: estimates.EstimateResult, applied: bool) -> EstimateRead:
    e = result.estimate
    return EstimateRead(
        affiliate_id=result.account.affiliate_id,
        year=e.year,
        income=f"{e.income:.2f}",
        annual_amount=f"{e.computation.total:.2f}",
        lines={k: f"{v:.2f}" for k, v in e.computation.lines.items()},
        effective_from=e.revision.effective_from,
        instalments=[
            InstalmentRead(due_date=i.due_date, amount=f"{i.amount:.2f}")
            for i in e.revision.remaining
        ],
        credit=f"{e.revision.credit:.2f}",
        applied=applied,
    )


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
        account = await handlers.account_for(who, affiliate_id, app.new_uow(read_only=True))
        today = app.clock.now().date()
        year = year or today.year
        try:
            lines = account.year_lines(year)
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
            provisional_total=f"{sum(lines.values(), Decimal(0)):.2f}",
            lines={k: f"{v:.2f}" for k, v in lines.items()},
            echeancier=[
                ScheduledInstalmentRead(
                    due_date=i.due_date,
                    amount=f"{i.amount:.2f}",
                    status="due" if i.due_date <= today else "upcoming",
                )
                for i in schedule
            ],
            incomes=[
                IncomeRead(
                    year=y,
                    amount=f"{amount:.2f}",
                    kind="definitive" if y in account.definitive_years else "estimate",
                )
                for y, amount in sorted(account.incomes.items())
            ],
            regularisations=[
                RegularisationRead(
                    year=r.year,
                    declared_on=r.declared_on,
                    definitive_total=f"{r.definitive_total:.2f}",
                    called_total=f"{r.called_total:.2f}",
                    balance=f"{r.balance:.2f}",
                    outcome=r.outcome,
                    due_date=r.due_date,
                )
                for r in account.regularisations
            ],
            debts=[
                DebtRead(
                    origin=f"regularisation {r.year}",
                    amount=f"{r.balance:.2f}",
                    due_date=r.due_date,
                )
                for r in account.regularisations
                if r.outcome == "debt" and r.due_date is not None
            ],
            declarations=[
                DeclarationRead(
                    period=d.period,
                    turnover=f"{d.turnover:.2f}",
                    amount=f"{d.amount:.2f}",
                    due_date=d.due_date,
                )
                for d in account.declarations
            ],
        )

    async def _estimate(
        affiliate_id: str, body: EstimateCreate, who: Principal, applying: bool
    ) -> EstimateRead:
        run = estimates.apply if applying else estimates.preview
        uow = app.new_uow(read_only=not applying)
        try:
            result = await run(who, affiliate_id, body.year, body.income, uow, app.clock)
        except EstimateLocked as exc:
            raise Conflict(
                str(exc), kind="estimate-locked", extra={"unlocks_on": exc.unlocks_on.isoformat()}
            ) from exc
        except InvalidComputationInput as exc:
            raise ValidationProblem(exc.message) from exc
        return _estimate_read(result, applied=applying)

    @router.post(
        "/{affiliate_id}/estimates/preview",
        response_model=EstimateRead,
        summary="Aperçu d'une estimation de revenu : nouvelles échéances, date d'effet",
        responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}},
    )
    async def preview(
        affiliate_id: str, body: EstimateCreate, who: Annotated[Principal, Depends(principal)]
    ) -> EstimateRead:
        return await _estimate(affiliate_id, body, who, applying=False)

    @router.post(
        "/{affiliate_id}/estimates",
        response_model=EstimateRead,
        status_code=201,
        summary="Transmettre une estimation de revenu : échéancier rectificatif immédiat",
        responses={401: {}, 403: {}, 404: {}, 409: {"description": "locked until a date"}, 422: {}},
    )
    async def apply(
        affiliate_id: str, body: EstimateCreate, who: Annotated[Principal, Depends(principal)]
    ) -> EstimateRead:
        return await _estimate(affiliate_id, body, who, applying=True)

    return router


def create_app(app: CotisationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(http_jwks_fetcher(app.settings.jwks_url))

    return create_http_app(
        service="cotisations",
        title="cotisations — Mon compte",
        description="Le compte cotisant : cotisations, échéancier, accès des cabinets mandatés.",
        routers=[
            _router(app, verifier),
            declarations_router(app, verifier),
            app.runtime.operator_router(bearer_principal(verifier)),
        ],
        checks=[database_check(app.engine)],
        lifespan=app.runtime.api_lifespan(),
    )
