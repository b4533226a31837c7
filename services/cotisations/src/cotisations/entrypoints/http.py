"""cotisations' HTTP API: « Consulter les données du compte » and income estimates. Routes
translate the request into one command and call the bus; refusals are answered by
``problems.py``."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from servicekit.auth import Principal, TokenVerifier, audience_of, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.french import day
from servicekit.health import database_check, jwks_check
from servicekit.http import create_http_app

from cotisations.bootstrap import CotisationsApp
from cotisations.domain import commands
from cotisations.domain.payments import opening
from cotisations.domain.payments.ledger import Obligation, ObligationState, instalment_ref
from cotisations.domain.schedule import Instalment
from cotisations.entrypoints.http_declarations import declarations_router
from cotisations.entrypoints.http_inputs import Year
from cotisations.entrypoints.http_opening import opening_router
from cotisations.entrypoints.http_payments import bank_operations_router, payments_router
from cotisations.entrypoints.http_schemas import (
    AccountRead,
    DebtRead,
    DeclarationRead,
    EstimateCreate,
    EstimateRead,
    IncomeRead,
    InstalmentRead,
    RegularisationRead,
    ScheduledInstalmentRead,
    StandingRead,
)
from cotisations.entrypoints.http_telepayment import plan_operations_router, telepayment_router
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
    install_validation_answer,
    problem_json,
    right,
)
from cotisations.service_layer.handlers import EstimateResult
from cotisations.service_layer.queries import AccountView

AUDIENCE = audience_of("cotisations")
"""The audience cotisations checks in every access token it accepts."""


def _estimate_read(result: EstimateResult, applied: bool) -> EstimateRead:
    e = result.estimate
    return EstimateRead(
        affiliate_id=result.affiliate_id,
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


def _rejection_origin(o: Obligation) -> str:
    """What a person reads of a debt a bank's rejection made: which debit, on which day."""
    debited = o.reference.removeprefix("debt:rejection:debit:")
    if debited != o.reference:
        try:
            return f"Prélèvement du {day(date.fromisoformat(debited))} rejeté par la banque"
        except ValueError:
            pass
    if o.reference.startswith("debt:rejection:telepayment:"):
        return f"Télépaiement rejeté par la banque le {day(o.due_date)}"
    return f"Paiement rejeté par la banque le {day(o.due_date)}"


def _outstanding(o: Obligation | None) -> str | None:
    return None if o is None else f"{o.outstanding:.2f}"


def _state(o: Obligation | None) -> ObligationState | None:
    return None if o is None else o.state


def _scheduled(
    i: Instalment,
    obligations: dict[str, Obligation],
    today: date,
    ledger_from: date,
    ahead: dict[str, tuple[Decimal, bool]],
) -> ScheduledInstalmentRead:
    """An instalment of the échéancier with what the ledger says of it (not yet called: the
    whole amount is outstanding and ``upcoming``, less what payments naming it already pay;
    due before the ledger took the account over: ``before_ledger``, nothing outstanding
    here)."""
    o = obligations.get(instalment_ref(i.due_date))
    if o is None and instalment_ref(i.due_date) in ahead:
        paid, pending = ahead[instalment_ref(i.due_date)]
        left = max(Decimal("0.00"), i.amount - paid)
        return ScheduledInstalmentRead(
            due_date=i.due_date,
            amount=f"{i.amount:.2f}",
            status="due" if i.due_date <= today else "upcoming",
            payment="partly_paid" if left > 0 else ("pending" if pending else "paid"),
            outstanding=f"{left:.2f}",
        )
    if o is None and i.due_date < ledger_from:
        return ScheduledInstalmentRead(
            due_date=i.due_date,
            amount=f"{i.amount:.2f}",
            status="due",
            payment="before_ledger",
            outstanding="0.00",
        )
    return ScheduledInstalmentRead(
        due_date=i.due_date,
        amount=f"{i.amount:.2f}",
        status="due" if i.due_date <= today else "upcoming",
        payment=o.state if o else "upcoming",
        outstanding=f"{o.outstanding:.2f}" if o else f"{i.amount:.2f}",
        debt=o.rejected_into if o else None,
    )


def _account_read(view: AccountView) -> AccountRead:
    account, lines, today = view.account, view.lines, view.today
    obligations = {o.reference: o for o in view.standing.obligations}
    s = view.standing
    return AccountRead(
        affiliate_id=account.affiliate_id,
        category=account.category,
        departement=account.departement,
        periodicity=account.periodicity,
        debit_day=account.debit_day,
        payment_mode=account.payment_mode,
        opened_on=account.opened_on,
        closed_on=account.closed_on,
        year=view.year,
        provisional_total=f"{sum(lines.values(), Decimal(0)):.2f}",
        lines={k: f"{v:.2f}" for k, v in lines.items()},
        echeancier=[
            _scheduled(i, obligations, today, view.ledger_from, view.ahead) for i in view.echeancier
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
                origin=f"Régularisation {r.year}",
                amount=f"{r.balance:.2f}",
                due_date=r.due_date,
                reference=f"debt:regularisation:{r.year}",
                outstanding=_outstanding(obligations.get(f"debt:regularisation:{r.year}")),
                state=_state(obligations.get(f"debt:regularisation:{r.year}")),
            )
            for r in account.regularisations
            if r.outcome == "debt" and r.due_date is not None
        ]
        + [
            DebtRead(
                origin=_rejection_origin(o),
                amount=f"{o.amount:.2f}",
                due_date=o.due_date,
                reference=o.reference,
                outstanding=f"{o.outstanding:.2f}",
                state=o.state,
            )
            for o in view.standing.obligations
            if o.kind == "rejection"
        ]
        + [
            DebtRead(
                origin=opening.ORIGIN,
                amount=f"{o.amount:.2f}",
                due_date=o.due_date,
                reference=o.reference,
                outstanding=f"{o.outstanding:.2f}",
                state=o.state,
            )
            for o in view.standing.obligations
            if o.kind == "opening"
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
        standing=StandingRead(
            balance_due=f"{s.balance:.2f}",
            overdue=f"{s.overdue:.2f}",
            oldest_overdue_due_date=s.oldest_overdue,
            up_to_date=s.up_to_date,
            on_direct_debit=view.on_direct_debit,
        ),
    )


def _router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.get(
        "/{affiliate_id}",
        response_model=AccountRead,
        summary="Consulter les données du compte : cotisations de l'année et échéancier",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("read"),
                404: NOT_FOUND,
                422: f"{INVALID} : une année que les règles ne couvrent pas.",
                500: INTERNAL,
            }
        ),
    )
    async def read(
        affiliate_id: str,
        who: Annotated[Principal, Depends(principal)],
        year: Annotated[
            Year | None,
            Query(description="L'année affichée (par défaut l'année en cours)", examples=[2026]),
        ] = None,
    ) -> AccountRead:
        return _account_read(await call(app.queries, commands.ReadAccount(who, affiliate_id, year)))

    estimate_answers = answers(
        {
            401: UNAUTHORIZED,
            403: right("declare"),
            404: NOT_FOUND,
            409: "`estimate-locked` : une estimation a été transmise il y a moins d'un mois "
            f"(`unlocks_on`) ; {KEY_IN_USE}",
            413: TOO_LARGE,
            422: f"{INVALID} : une année qui ne peut pas être estimée aujourd'hui "
            f"(`estimable_year`, `opens_on`), un compte de micro-entrepreneur ; {KEY_REUSED}",
            500: INTERNAL,
        }
    )

    async def _estimate(
        affiliate_id: str, body: EstimateCreate, who: Principal, applying: bool
    ) -> EstimateRead:
        bus, command = (
            (app.bus, commands.ApplyEstimate(who, affiliate_id, body.year, body.income))
            if applying
            else (app.queries, commands.PreviewEstimate(who, affiliate_id, body.year, body.income))
        )
        result: EstimateResult = await call(bus, command)
        return _estimate_read(result, applied=applying)

    @router.post(
        "/{affiliate_id}/estimates/preview",
        response_model=EstimateRead,
        summary="Aperçu d'une estimation de revenu : nouvelles échéances, date d'effet",
        responses=estimate_answers,
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
        responses=estimate_answers,
    )
    async def apply(
        affiliate_id: str, body: EstimateCreate, who: Annotated[Principal, Depends(principal)]
    ) -> EstimateRead:
        return await _estimate(affiliate_id, body, who, applying=True)

    return router


def create_app(app: CotisationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(
        http_jwks_fetcher(app.settings.jwks_url),
        audience=AUDIENCE,
        ttl_s=app.settings.jwks_ttl_s,
        grace_s=app.settings.jwks_grace_s,
    )

    api = create_http_app(
        service="cotisations",
        title="cotisations — Mon compte",
        description="Le compte cotisant : cotisations, échéancier, accès des cabinets mandatés.",
        routers=[
            _router(app, verifier),
            declarations_router(app, verifier),
            telepayment_router(app, verifier),
            payments_router(app, verifier),
            opening_router(app, verifier),
            bank_operations_router(app, verifier),
            plan_operations_router(app, verifier),
            app.runtime.operator_router(bearer_principal(verifier)),
        ],
        checks=[database_check(app.engine), jwks_check(verifier)],
        verifier=verifier,
        lifespan=app.runtime.api_lifespan(),
        idempotency=app.runtime.idempotency(),
    )
    install_validation_answer(api)
    problem_json(api)
    return api
