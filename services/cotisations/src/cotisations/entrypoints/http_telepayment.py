"""cotisations' HTTP API for telepayment and payment-delay plans: the adhesion and its
revocation, « Payer » next to each amount and « Valider le paiement », the change of amounts
until noon the day before, and « Demander un délai de paiement » with the agent's decision.
Routes build one command and call the bus (docs/rules.md §9)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, BeforeValidator, Field
from servicekit.auth import Principal, TokenVerifier
from servicekit.fastapi_auth import bearer_principal, require_actor
from servicekit.problems import Forbidden

from cotisations.bootstrap import CotisationsApp
from cotisations.domain import payment_commands as cmds
from cotisations.domain.payments.mandate import AdhesionForm, TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan, PlanPreview
from cotisations.domain.payments.split import Part
from cotisations.entrypoints.http_inputs import amount
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
from cotisations.service_layer.standings import StandingSweep
from cotisations.service_layer.telepayment_handlers import (
    PayablesView,
    PlanResult,
    PlanSweep,
    TelepaymentResult,
)
from cotisations.service_layer.telepayment_integration import masked

PartAmount = Annotated[
    Decimal,
    BeforeValidator(amount("Le montant débité", Decimal("0.01"), Decimal(100_000_000), "500.00")),
]
PaidAmount = Annotated[
    Decimal,
    BeforeValidator(amount("Le montant payé", Decimal("0.01"), Decimal(100_000_000), "500.00")),
]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        description="Obligatoire : une requête retentée avec la même clé ne paie jamais deux "
        "fois (la première réponse est rendue).",
    ),
]

# -- bodies -----------------------------------------------------------------------------------


class AdhesionCreate(BaseModel):
    holder_name: str = Field(max_length=200, examples=["Jean Dupont"])
    address: str = Field(max_length=400, examples=["1 rue X, 57000 Metz"])
    iban: str = Field(max_length=50, examples=["FR76 3000 6000 0112 3456 7890 189"])
    bic: str = Field(max_length=11, examples=["AGRIFRPP"])
    terms_accepted: bool = Field(description="acceptance of the terms of use: required")


class MandateRead(BaseModel):
    mandate_id: str
    holder_name: str
    iban: str = Field(description="masked")
    bic: str
    signed_at: datetime
    revoked_at: datetime | None = None


class PayableRead(BaseModel):
    reference: str = Field(examples=["instalment:2026-05-05", "debt:regularisation:2025"])
    kind: Literal["current", "debt", "plan_instalment"]
    due_date: date
    amount: str
    payable: bool = Field(description="whether « Payer » is offered today")
    reason: str | None = Field(default=None, description="why not, in the FAQ's words")
    reason_code: Literal["direct-debit", "not-open-yet", "past-due"] | None = None
    opens_on: date | None = Field(default=None, description="`not-open-yet`: when it opens")


class PartCreate(BaseModel):
    iban: str = Field(max_length=50)
    amount: PartAmount


class TelepaymentCreate(BaseModel):
    reference: str = Field(max_length=160, examples=["instalment:2026-05-05"])
    amount: PaidAmount | None = Field(
        default=None,
        description="what is paid: less than the amount shown leaves the rest due, more is "
        "refused, a plan instalment is paid whole; none: the whole amount shown",
    )
    parts: list[PartCreate] = Field(
        default_factory=list,
        max_length=10,
        description="up to 3 accounts adding up to the amount paid; none: the whole of it on "
        "the mandate's account",
    )


class TelepaymentChange(BaseModel):
    parts: list[PartCreate] = Field(
        min_length=1,
        max_length=10,
        description="the accounts and their amounts; their sum is the new amount paid, never "
        "more than what it pays is owed",
    )


class DebitRead(BaseModel):
    iban: str = Field(description="masked")
    amount: str


class TelepaymentRead(BaseModel):
    payment_id: str | None = Field(description="None for a preview")
    reference: str
    amount: str
    parts: list[DebitRead]
    debit_on: date = Field(description="the day the accounts are debited: the due date")
    changeable_until: datetime = Field(description="noon, Paris time, the day before")
    status: Literal["preview", "scheduled", "settled", "rejected", "partly_rejected"] = Field(
        description="``partly_rejected``: the bank rejected some of its parts and took the "
        "others; what a rejected part paid is owed again as a debt"
    )


class PayablesRead(BaseModel):
    affiliate_id: str
    mandate: MandateRead | None
    payables: list[PayableRead]
    telepayments: list[TelepaymentRead]


class PlanCreate(BaseModel):
    instalments: int = Field(ge=1, le=12, description="monthly instalments, 1 to 12")


class SurchargeRead(BaseModel):
    reference: str
    principal: str
    due_date: date
    months: int = Field(description="months or parts of a month late")
    rate: str = Field(examples=["0.054"])
    amount: str


class PlanInstalmentRead(BaseModel):
    number: int
    due_date: date
    amount: str
    paid: bool = False


class PlanRead(BaseModel):
    plan_id: str | None = Field(description="None for a preview")
    status: Literal["preview", "requested", "granted", "refused", "ended", "completed"]
    principal: str | None = None
    surcharges: list[SurchargeRead] = Field(default_factory=list)
    surcharge_total: str | None = None
    total: str
    instalments: list[PlanInstalmentRead]
    granted_at_once: bool | None = Field(
        default=None, description="whether the rule for small simple cases grants it"
    )
    decided_by: str | None = None
    reason: str | None = None


class PlanDecision(BaseModel):
    decision: Literal["grant", "refuse"]
    reason: str | None = Field(default=None, max_length=1000)


# -- answers ----------------------------------------------------------------------------------


def _mandate(m: TelepaymentMandate) -> MandateRead:
    return MandateRead(
        mandate_id=m.mandate_id,
        holder_name=m.holder_name,
        iban=masked(m.iban),
        bic=m.bic,
        signed_at=m.signed_at,
        revoked_at=m.revoked_at,
    )


def _telepayment(p: Telepayment, preview: bool = False) -> TelepaymentRead:
    status: Literal["preview", "scheduled", "settled", "rejected", "partly_rejected"] = (
        "preview"
        if preview
        else "settled"
        if p.status == "settled"
        else "rejected"
        if p.status == "rejected"
        else "partly_rejected"
        if p.status == "partly_rejected"
        else "scheduled"
    )
    return TelepaymentRead(
        payment_id=None if preview else p.payment_id,
        reference=p.reference,
        amount=f"{p.debit.amount:.2f}",
        parts=[DebitRead(iban=masked(d.iban), amount=f"{d.amount:.2f}") for d in p.debit.parts],
        debit_on=p.debit.debit_on,
        changeable_until=p.debit.changeable_until,
        status=status,
    )


def _payables(view: PayablesView) -> PayablesRead:
    return PayablesRead(
        affiliate_id=view.affiliate_id,
        mandate=None if view.mandate is None else _mandate(view.mandate),
        payables=[
            PayableRead(
                reference=s.payable.reference,
                kind=s.payable.kind.value,
                due_date=s.payable.due_date,
                amount=f"{s.payable.amount:.2f}",
                payable=s.offer.payable,
                reason=s.offer.reason,
                reason_code=s.offer.code,
                opens_on=s.offer.opens_on,
            )
            for s in view.shown
        ],
        telepayments=[_telepayment(p) for p in view.payments],
    )


def _preview(p: PlanPreview) -> PlanRead:
    return PlanRead(
        plan_id=None,
        status="preview",
        principal=f"{p.principal:.2f}",
        surcharges=[
            SurchargeRead(
                reference=d.reference,
                principal=f"{s.principal:.2f}",
                due_date=s.due_date,
                months=s.months,
                rate=str(s.rate),
                amount=f"{s.amount:.2f}",
            )
            for d, s in zip(p.debts, p.surcharges, strict=True)
        ],
        surcharge_total=f"{p.surcharge_total:.2f}",
        total=f"{p.total:.2f}",
        instalments=[
            PlanInstalmentRead(number=i.number, due_date=i.due_date, amount=f"{i.amount:.2f}")
            for i in p.instalments
        ],
        granted_at_once=p.granted_at_once,
    )


def _plan(plan: PaymentPlan, preview: PlanPreview | None = None) -> PlanRead:
    base = _preview(preview) if preview is not None else None
    return PlanRead(
        plan_id=plan.plan_id,
        status=plan.status.value,
        principal=base.principal if base else None,
        surcharges=base.surcharges if base else [],
        surcharge_total=base.surcharge_total if base else None,
        total=f"{plan.total:.2f}",
        instalments=[
            PlanInstalmentRead(
                number=i.number,
                due_date=i.due_date,
                amount=f"{i.amount:.2f}",
                paid=i.number in plan.paid,
            )
            for i in plan.instalments
        ],
        granted_at_once=base.granted_at_once if base else None,
        decided_by=plan.decided_by,
        reason=plan.reason,
    )


def _parts(parts: list[PartCreate]) -> tuple[Part, ...]:
    return tuple(Part(p.iban, p.amount) for p in parts)


def telepayment_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)
    Who = Annotated[Principal, Depends(principal)]  # noqa: N806 - a type

    @router.post(
        "/{affiliate_id}/telepayment",
        response_model=MandateRead,
        status_code=201,
        summary="Adhérer au télépaiement : nom, adresse, compte à débiter, conditions acceptées",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: NOT_FOUND,
                409: "`telepayment-mandate-exists` : un mandat existe déjà sur un autre compte "
                "de la même personne (le révoquer d'abord) ; `telepayment-mandate-active` : ce "
                f"compte en a déjà un ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : IBAN ou clé RIB, BIC, conditions non acceptées ; {KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def adhere(affiliate_id: str, body: AdhesionCreate, who: Who) -> MandateRead:
        form = AdhesionForm(
            body.holder_name, body.address, body.iban, body.bic, body.terms_accepted
        )
        signed: TelepaymentMandate = await call(
            app.bus, cmds.AdhereTelepayment(who, affiliate_id, form)
        )
        return _mandate(signed)

    @router.delete(
        "/{affiliate_id}/telepayment",
        response_model=MandateRead,
        summary="Révoquer le mandat de télépaiement",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: f"{NOT_FOUND} ; `telepayment-mandate-not-found` : aucun mandat actif.",
                500: INTERNAL,
            }
        ),
    )
    async def revoke(affiliate_id: str, who: Who) -> MandateRead:
        revoked: TelepaymentMandate = await call(app.bus, cmds.RevokeTelepayment(who, affiliate_id))
        return _mandate(revoked)

    @router.get(
        "/{affiliate_id}/payables",
        response_model=PayablesRead,
        summary="Les montants à régler : « Payer » proposé ou non, et pourquoi",
        responses=answers({401: UNAUTHORIZED, 403: right("read"), 404: NOT_FOUND, 500: INTERNAL}),
    )
    async def payables(affiliate_id: str, who: Who) -> PayablesRead:
        return _payables(await call(app.queries, cmds.ReadPayables(who, affiliate_id)))

    pay_answers = answers(
        {
            401: UNAUTHORIZED,
            403: right("pay"),
            404: NOT_FOUND,
            409: f"`telepayment-mandate-missing` : adhérer d'abord au télépaiement ; "
            "`concurrent-request` : le même paiement enregistré au même instant par une autre "
            f"demande ; {KEY_IN_USE}",
            413: TOO_LARGE,
            422: f"{INVALID} : « Payer » non proposé (`reason` : `direct-debit`, "
            "`not-open-yet` avec `opens_on`, `past-due`), montant payé supérieur au montant dû, "
            "échéance de délai payée en partie, parts dont la somme n'est pas le montant payé, "
            "plus de 3 comptes, montant à plus de deux décimales, IBAN ou clé RIB invalide ; "
            f"{KEY_REUSED}",
            500: INTERNAL,
        }
    )

    @router.post(
        "/{affiliate_id}/telepayments/preview",
        response_model=TelepaymentRead,
        summary="« Valider le paiement » : ce qui sera prélevé, sur quels comptes, quand",
        responses=pay_answers,
    )
    async def preview(affiliate_id: str, body: TelepaymentCreate, who: Who) -> TelepaymentRead:
        command = cmds.PreviewTelepayment(
            who, affiliate_id, body.reference, _parts(body.parts), body.amount
        )
        result: TelepaymentResult = await call(app.queries, command)
        return _telepayment(result.payment, preview=True)

    @router.post(
        "/{affiliate_id}/telepayments",
        response_model=TelepaymentRead,
        status_code=201,
        summary="Payer par télépaiement : prélevé à l'échéance, réparti sur 3 comptes au plus",
        responses=pay_answers,
    )
    async def make(
        affiliate_id: str, body: TelepaymentCreate, who: Who, idempotency_key: IdempotencyKey
    ) -> TelepaymentRead:
        command = cmds.MakeTelepayment(
            who, affiliate_id, body.reference, _parts(body.parts), body.amount
        )
        result: TelepaymentResult = await call(app.bus, command)
        return _telepayment(result.payment)

    @router.patch(
        "/{affiliate_id}/telepayments/{payment_id}",
        response_model=TelepaymentRead,
        summary="Modifier le montant et les comptes prélevés, jusqu'à midi la veille",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: f"{NOT_FOUND} ; `telepayment-not-found`.",
                409: "`telepayment-locked` : après midi (heure de Paris) la veille du "
                "prélèvement, ou déjà prélevé.",
                413: TOO_LARGE,
                422: f"{INVALID} : parts dont la somme dépasse le montant dû, échéance de délai "
                "payée en partie, plus de 3 comptes, IBAN ou clé RIB invalide.",
                500: INTERNAL,
            }
        ),
    )
    async def change(
        affiliate_id: str, payment_id: str, body: TelepaymentChange, who: Who
    ) -> TelepaymentRead:
        command = cmds.ChangeTelepayment(who, affiliate_id, payment_id, _parts(body.parts))
        result: TelepaymentResult = await call(app.bus, command)
        return _telepayment(result.payment)

    plan_answers = answers(
        {
            401: UNAUTHORIZED,
            403: right("pay"),
            404: NOT_FOUND,
            409: "`concurrent-request` : un délai sur les mêmes dettes accordé au même instant "
            f"par une autre demande ; {KEY_IN_USE}",
            413: TOO_LARGE,
            422: f"{INVALID} : aucune dette, de 1 à 12 échéances ; {KEY_REUSED}",
            500: INTERNAL,
        }
    )

    @router.post(
        "/{affiliate_id}/payment-plans/preview",
        response_model=PlanRead,
        summary="Aperçu d'un délai de paiement : majorations de retard et échéancier",
        responses=plan_answers,
    )
    async def plan_preview(affiliate_id: str, body: PlanCreate, who: Who) -> PlanRead:
        result: PlanResult = await call(
            app.queries, cmds.PreviewPlan(who, affiliate_id, body.instalments)
        )
        return _preview(result.preview)

    @router.post(
        "/{affiliate_id}/payment-plans",
        response_model=PlanRead,
        status_code=201,
        summary="Demander un délai de paiement (accordé d'emblée pour un petit cas simple)",
        responses=plan_answers,
    )
    async def plan_request(
        affiliate_id: str, body: PlanCreate, who: Who, idempotency_key: IdempotencyKey
    ) -> PlanRead:
        result: PlanResult = await call(
            app.bus, cmds.RequestPlan(who, affiliate_id, body.instalments)
        )
        assert result.plan is not None
        return _plan(result.plan, result.preview)

    @router.post(
        "/{affiliate_id}/payment-plans/{plan_id}/decision",
        response_model=PlanRead,
        summary="Accorder ou refuser un délai de paiement, motif à l'appui (agent)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`agent-only` : une décision d'agent.",
                404: f"{NOT_FOUND} ; `payment-plan-not-found`.",
                409: "`plan-already-decided` ; `plan-debts-gone` : ses dettes réglées ou reprises "
                f"dans un autre délai ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : un refus sans motif ; {KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def decide(affiliate_id: str, plan_id: str, body: PlanDecision, who: Who) -> PlanRead:
        command = cmds.DecidePlan(who, affiliate_id, plan_id, body.decision == "grant", body.reason)
        decided: PaymentPlan = await call(app.bus, command)
        return _plan(decided)

    return router


class PlanSweepRead(BaseModel):
    on: date
    ended: list[str]
    """The plans this sweep ended (none when swept again the same day)."""


class StandingSweepRead(BaseModel):
    on: date
    accounts: int = Field(description="the accounts swept")
    published: int = Field(description="the `standing_changed` events published (what moved)")


def plan_operations_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    """Operators (agents) in development: the worker's daily sweep of the payment-delay plans,
    now. Refused in production, where the worker's schedule runs it."""
    router = APIRouter(prefix="/v1/operations", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.post(
        "/plan-sweeps",
        response_model=PlanSweepRead,
        summary="Clore les délais de paiement dont une échéance est impayée (développement)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`actor-not-allowed` : réservé aux agents ; `development-only` : fermé en "
                "production.",
                409: KEY_IN_USE,
                422: KEY_REUSED,
                500: INTERNAL,
            }
        ),
    )
    async def sweep(who: Annotated[Principal, Depends(principal)]) -> PlanSweepRead:
        require_actor(who, "agent")
        if app.settings.environment == "production" or not app.settings.bank_operator_api:
            raise Forbidden(
                "Cette opération de développement est fermée en production.",
                kind="development-only",
            )
        done: PlanSweep = await call(app.bus, cmds.SweepMissedPlans())
        return PlanSweepRead(on=done.on, ended=list(done.ended))

    @router.post(
        "/standing-sweeps",
        response_model=StandingSweepRead,
        summary="Publier la situation des comptes qui a changé (développement)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`actor-not-allowed` : réservé aux agents ; `development-only` : fermé en "
                "production.",
                409: KEY_IN_USE,
                422: KEY_REUSED,
                500: INTERNAL,
            }
        ),
    )
    async def sweep_standings(who: Annotated[Principal, Depends(principal)]) -> StandingSweepRead:
        require_actor(who, "agent")
        if app.settings.environment == "production" or not app.settings.bank_operator_api:
            raise Forbidden(
                "Cette opération de développement est fermée en production.",
                kind="development-only",
            )
        done: StandingSweep = await call(app.bus, cmds.SweepStandings())
        return StandingSweepRead(on=done.on, accounts=done.accounts, published=done.published)

    return router
