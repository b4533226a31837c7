"""cotisations' HTTP API for what is declared or changed on an account: the definitive income
(regularisation), a micro-entrepreneur's turnover, the periodicity and the debit day; and the
relevé de carrière, for the assuré only."""

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from servicekit.auth import Principal, TokenVerifier
from servicekit.fastapi_auth import bearer_principal
from servicekit.problems import Conflict, ValidationProblem

from cotisations.bootstrap import CotisationsApp
from cotisations.domain.account import (
    DebitDayLocked,
    IncomeAlreadyDeclared,
    PeriodAlreadyDeclared,
)
from cotisations.domain.errors import InvalidComputationInput
from cotisations.domain.schedule import Instalment
from cotisations.service_layer import declarations, handlers

T = TypeVar("T")
Money = Annotated[
    Decimal,
    Field(ge=Decimal(-10_000_000), le=Decimal(100_000_000), decimal_places=2),
]


class IncomeDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2025, le=2026, examples=[2025])
    income: Money = Field(examples=["52000.00"], description="Revenu professionnel définitif.")


class TurnoverDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        examples=["2026-03", "2026-T1"],
        description="Un mois (AAAA-MM) ou un trimestre (AAAA-TN), selon la périodicité.",
    )
    turnover: Money = Field(examples=["2001.40"], description="Chiffre d'affaires encaissé.")


class PeriodicityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    periodicity: Literal["monthly", "quarterly"]


class DebitDayChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debit_day: Literal[5, 20]


class InstalmentOut(BaseModel):
    due_date: date
    amount: str


class IncomeDeclaredRead(BaseModel):
    year: int
    income: str
    definitive_total: str
    called_total: str
    balance: str = Field(description="owed (positive) or refunded (negative)")
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None = Field(
        description="the debt's due date, or the first instalment that carries the balance"
    )
    echeancier: list[InstalmentOut] = Field(description="the current year's instalments now")


class TurnoverDeclaredRead(BaseModel):
    period: str
    turnover: str
    lines: dict[str, str]
    amount: str
    due_date: date


class TermsRead(BaseModel):
    periodicity: str
    debit_day: int
    effective_from: date
    echeancier: list[InstalmentOut] = Field(description="the current year's instalments now")


class CareerYearRead(BaseModel):
    year: int
    income: str
    retraite_base_assiette: str
    retraite_base_contribution: str
    quarters: int = Field(ge=0, le=4)


class CareerRead(BaseModel):
    affiliate_id: str
    years: list[CareerYearRead]


def _instalments(instalments: list[Instalment]) -> list[InstalmentOut]:
    return [InstalmentOut(due_date=i.due_date, amount=f"{i.amount:.2f}") for i in instalments]


async def _refusals(call: Callable[[], Awaitable[T]]) -> T:
    """The domain's refusals as problem documents (French, for the user)."""
    try:
        return await call()
    except InvalidComputationInput as exc:
        raise ValidationProblem(exc.message) from exc
    except IncomeAlreadyDeclared as exc:
        raise Conflict(exc.message, kind="income-already-declared") from exc
    except PeriodAlreadyDeclared as exc:
        raise Conflict(exc.message, kind="period-already-declared") from exc
    except DebitDayLocked as exc:
        raise Conflict(
            exc.message, kind="debit-day-locked", extra={"unlocks_on": exc.unlocks_on.isoformat()}
        ) from exc


def declarations_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.post(
        "/{affiliate_id}/incomes",
        response_model=IncomeDeclaredRead,
        status_code=201,
        summary="Déclarer le revenu définitif d'une année terminée : régularisation",
        responses={401: {}, 403: {}, 404: {}, 409: {"description": "already declared"}, 422: {}},
    )
    async def declare_income(
        affiliate_id: str, body: IncomeDeclare, who: Annotated[Principal, Depends(principal)]
    ) -> IncomeDeclaredRead:
        account, carried = await _refusals(
            lambda: declarations.declare_income(
                who, affiliate_id, body.year, body.income, app.new_uow(), app.clock
            )
        )
        r = carried.regularisation
        return IncomeDeclaredRead(
            year=r.year,
            income=f"{r.income:.2f}",
            definitive_total=f"{r.definitive_total:.2f}",
            called_total=f"{r.called_total:.2f}",
            balance=f"{r.balance:.2f}",
            outcome=r.outcome,
            due_date=r.due_date,
            echeancier=_instalments(account.schedule(app.clock.now().year)),
        )

    @router.post(
        "/{affiliate_id}/declarations",
        response_model=TurnoverDeclaredRead,
        status_code=201,
        summary="Déclarer le chiffre d'affaires d'un mois ou d'un trimestre (micro-entrepreneur)",
        responses={401: {}, 403: {}, 404: {}, 409: {"description": "already declared"}, 422: {}},
    )
    async def declare_turnover(
        affiliate_id: str, body: TurnoverDeclare, who: Annotated[Principal, Depends(principal)]
    ) -> TurnoverDeclaredRead:
        d = await _refusals(
            lambda: declarations.declare_turnover(
                who, affiliate_id, body.period, body.turnover, app.new_uow(), app.clock
            )
        )
        return TurnoverDeclaredRead(
            period=d.period,
            turnover=f"{d.turnover:.2f}",
            lines={k: f"{v:.2f}" for k, v in d.lines.items()},
            amount=f"{d.amount:.2f}",
            due_date=d.due_date,
        )

    async def _terms(
        affiliate_id: str, who: Principal, periodicity: str | None, day: int | None
    ) -> TermsRead:
        account, change = await _refusals(
            lambda: declarations.change_terms(
                who,
                affiliate_id,
                app.new_uow(),
                app.clock,
                periodicity=periodicity,
                debit_day=day,
            )
        )
        return TermsRead(
            periodicity=account.periodicity,
            debit_day=account.debit_day,
            effective_from=change.effective_from,
            echeancier=_instalments(account.schedule(app.clock.now().year)),
        )

    @router.put(
        "/{affiliate_id}/periodicity",
        response_model=TermsRead,
        summary="Changer de périodicité (mensuelle ↔ trimestrielle), à 30 jours au moins",
        responses={401: {}, 403: {}, 404: {}, 422: {}},
    )
    async def change_periodicity(
        affiliate_id: str, body: PeriodicityChange, who: Annotated[Principal, Depends(principal)]
    ) -> TermsRead:
        return await _terms(affiliate_id, who, body.periodicity, None)

    @router.put(
        "/{affiliate_id}/debit-day",
        response_model=TermsRead,
        summary="Changer le jour de prélèvement (5 ↔ 20), une fois par année civile",
        responses={401: {}, 403: {}, 404: {}, 409: {"description": "once a year"}, 422: {}},
    )
    async def change_debit_day(
        affiliate_id: str, body: DebitDayChange, who: Annotated[Principal, Depends(principal)]
    ) -> TermsRead:
        return await _terms(affiliate_id, who, None, body.debit_day)

    @router.get(
        "/{affiliate_id}/career",
        response_model=CareerRead,
        summary="Relevé de carrière : trimestres validés par année (l'assuré seul)",
        responses={401: {}, 403: {"description": "not the assuré"}, 404: {}},
    )
    async def career(
        affiliate_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> CareerRead:
        years = await handlers.career_for(who, affiliate_id, app.new_uow(read_only=True))
        return CareerRead(
            affiliate_id=affiliate_id,
            years=[
                CareerYearRead(
                    year=y.year,
                    income=f"{y.income:.2f}",
                    retraite_base_assiette=f"{y.retraite_base_assiette:.2f}",
                    retraite_base_contribution=f"{y.retraite_base_contribution:.2f}",
                    quarters=y.quarters,
                )
                for y in years
            ],
        )

    return router
