"""cotisations' HTTP API for what is declared or changed on an account: the definitive income
(regularisation), a micro-entrepreneur's turnover, the periodicity and the debit day; and the
relevé de carrière, for the assuré only. Routes build one command and call the bus."""

from typing import Annotated

from fastapi import APIRouter, Depends
from servicekit.auth import Principal, TokenVerifier
from servicekit.fastapi_auth import bearer_principal

from cotisations.bootstrap import CotisationsApp
from cotisations.domain import commands
from cotisations.domain.career import CareerYear
from cotisations.domain.declarations import PeriodDeclaration
from cotisations.domain.schedule import Instalment
from cotisations.entrypoints.http_schemas import (
    CareerRead,
    CareerYearRead,
    DebitDayChange,
    IncomeDeclare,
    IncomeDeclaredRead,
    InstalmentOut,
    PeriodicityChange,
    TermsRead,
    TurnoverDeclare,
    TurnoverDeclaredRead,
)
from cotisations.entrypoints.problems import (
    INTERNAL,
    INVALID,
    KEY_IN_USE,
    KEY_REUSED,
    NOT_FOUND,
    TOO_LARGE,
    UNAUTHORIZED,
    answers,
    call,
    right,
)
from cotisations.service_layer.handlers import IncomeResult, TermsResult


def _instalments(instalments: list[Instalment]) -> list[InstalmentOut]:
    return [InstalmentOut(due_date=i.due_date, amount=f"{i.amount:.2f}") for i in instalments]


def declarations_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.post(
        "/{affiliate_id}/incomes",
        response_model=IncomeDeclaredRead,
        status_code=201,
        summary="Déclarer le revenu définitif d'une année terminée : régularisation",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("declare"),
                404: NOT_FOUND,
                409: f"`income-already-declared` : le revenu définitif de l'année est déjà "
                f"déclaré ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : une année non terminée, d'avant le compte ou non couverte, "
                f"un compte de micro-entrepreneur ; {KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def declare_income(
        affiliate_id: str, body: IncomeDeclare, who: Annotated[Principal, Depends(principal)]
    ) -> IncomeDeclaredRead:
        command = commands.DeclareIncome(who, affiliate_id, body.year, body.income)
        declared: IncomeResult = await call(app.bus, command)
        r = declared.regularisation
        return IncomeDeclaredRead(
            year=r.year,
            income=f"{r.income:.2f}",
            definitive_total=f"{r.definitive_total:.2f}",
            called_total=f"{r.called_total:.2f}",
            balance=f"{r.balance:.2f}",
            outcome=r.outcome,
            due_date=r.due_date,
            echeancier=_instalments(declared.echeancier),
        )

    @router.post(
        "/{affiliate_id}/declarations",
        response_model=TurnoverDeclaredRead,
        status_code=201,
        summary="Déclarer le chiffre d'affaires d'un mois ou d'un trimestre (micro-entrepreneur)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("declare"),
                404: NOT_FOUND,
                409: f"`period-already-declared` : la période est déjà déclarée ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : une période mal écrite pour la périodicité du compte, pas "
                f"terminée, non couverte ou après la fermeture du compte, un compte qui n'est "
                f"pas de micro-entrepreneur ; {KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def declare_turnover(
        affiliate_id: str, body: TurnoverDeclare, who: Annotated[Principal, Depends(principal)]
    ) -> TurnoverDeclaredRead:
        command = commands.DeclareTurnover(who, affiliate_id, body.period, body.turnover)
        d: PeriodDeclaration = await call(app.bus, command)
        return TurnoverDeclaredRead(
            period=d.period,
            turnover=f"{d.turnover:.2f}",
            lines={k: f"{v:.2f}" for k, v in d.lines.items()},
            amount=f"{d.amount:.2f}",
            due_date=d.due_date,
        )

    def _terms(terms: TermsResult) -> TermsRead:
        return TermsRead(
            periodicity=terms.periodicity,
            debit_day=terms.debit_day,
            effective_from=terms.effective_from,
            echeancier=_instalments(terms.echeancier),
        )

    @router.put(
        "/{affiliate_id}/periodicity",
        response_model=TermsRead,
        summary="Changer de périodicité (mensuelle ↔ trimestrielle), à 30 jours au moins",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: NOT_FOUND,
                413: TOO_LARGE,
                422: f"{INVALID} : c'est déjà la périodicité du compte.",
                500: INTERNAL,
            }
        ),
    )
    async def change_periodicity(
        affiliate_id: str, body: PeriodicityChange, who: Annotated[Principal, Depends(principal)]
    ) -> TermsRead:
        command = commands.ChangePeriodicity(who, affiliate_id, body.periodicity)
        return _terms(await call(app.bus, command))

    @router.put(
        "/{affiliate_id}/debit-day",
        response_model=TermsRead,
        summary="Changer le jour de prélèvement (5 ↔ 20), une fois par année civile",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: NOT_FOUND,
                409: "`debit-day-locked` : déjà changé cette année civile (`unlocks_on`).",
                413: TOO_LARGE,
                422: f"{INVALID} : un compte trimestriel, déjà ce jour-là, ni le 5 ni le 20.",
                500: INTERNAL,
            }
        ),
    )
    async def change_debit_day(
        affiliate_id: str, body: DebitDayChange, who: Annotated[Principal, Depends(principal)]
    ) -> TermsRead:
        command = commands.ChangeDebitDay(who, affiliate_id, body.debit_day)
        return _terms(await call(app.bus, command))

    @router.get(
        "/{affiliate_id}/career",
        response_model=CareerRead,
        summary="Relevé de carrière : trimestres validés par année (l'assuré seul)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`career-assure-only` : le relevé de carrière n'est visible que de "
                "l'assuré (ni d'un cabinet, ni d'un agent).",
                404: NOT_FOUND,
                500: INTERNAL,
            }
        ),
    )
    async def career(
        affiliate_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> CareerRead:
        years: list[CareerYear] = await call(app.queries, commands.ReadCareer(who, affiliate_id))
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
