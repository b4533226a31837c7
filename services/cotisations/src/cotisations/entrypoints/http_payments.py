"""cotisations' HTTP API for payments: the payment history, an agent's cheque or transfer,
the SEPA direct-debit mandate (« Adhérer au prélèvement automatique »), and, for operators in
development, the debit day's run and a bank return file."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from servicekit.auth import Principal, TokenVerifier
from servicekit.fastapi_auth import bearer_principal, require_actor
from servicekit.french import TypedDate
from servicekit.problems import Forbidden

from cotisations.bootstrap import CotisationsApp
from cotisations.domain.payments import commands
from cotisations.domain.payments.direct_debit import BankAccount, Mandate, mask_iban
from cotisations.entrypoints.http_payments_inputs import DirectDebitBody, PaymentBody
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
from cotisations.service_layer.payments import (
    DebitRun,
    DirectDebitView,
    PaymentsPage,
    RecordedPayment,
)


class PaidRead(BaseModel):
    reference: str = Field(examples=["instalment:2026-03-05"])
    kind: str
    due_date: date


class PaymentRead(BaseModel):
    payment_id: str
    value_date: date
    amount: str = Field(examples=["153.00"], description="EUR, decimal string")
    mode: Literal["prelevement", "telepaiement", "cheque", "virement", "carte"]
    status: Literal["posted", "pending", "settled", "rejected"] = Field(
        description="``pending``: a debit the bank has not answered yet; ``rejected``: the "
        "bank returned it (what it paid is a debt)"
    )
    paid: PaidRead | None = Field(description="What it paid; none for a payment on account")
    reference: str | None


class PaymentsPageRead(BaseModel):
    affiliate_id: str
    total: int
    offset: int
    limit: int
    payments: list[PaymentRead]


class RecordedRead(PaymentRead):
    balance_due: str
    overdue: str


class MandateRead(BaseModel):
    rum: str
    holder: str
    iban: str = Field(description="masked: country, check digits and the last four")
    bic: str
    signed_on: date
    creditor_id: str
    effective_from: date = Field(description="the first due date it debits")
    ends_on: date | None = Field(description="from this due date on it no longer debits")


class DirectDebitRead(BaseModel):
    affiliate_id: str
    on_direct_debit: bool
    effective_from: date | None = Field(
        default=None, description="when the change asked takes effect (a first due date)"
    )
    current: MandateRead | None
    mandates: list[MandateRead]


class DebitRunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    debit_date: TypedDate | None = None


class DebitRunRead(BaseModel):
    debit_date: date
    file_name: str | None
    transactions: int
    total: str
    already_run: bool


class ReturnLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    end_to_end_id: str = Field(min_length=1, max_length=35)
    reason_code: str = Field(pattern=r"^[A-Z0-9]{4}$", examples=["AM04"])


class BankReturnBody(BaseModel):
    """A return file as the bank would send it for one debit day: the rejected debits with
    their reason; every other debit of the day's file settled."""

    model_config = ConfigDict(extra="forbid")
    debit_date: TypedDate
    rejected: list[ReturnLine] = Field(default_factory=list, max_length=10_000)
    returned_on: TypedDate | None = None


class BankReturnRead(BaseModel):
    debit_date: date
    settled: int
    rejected: int


def _payment_read(page: PaymentsPage) -> PaymentsPageRead:
    return PaymentsPageRead(
        affiliate_id=page.affiliate_id,
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        payments=[
            PaymentRead(
                payment_id=line.entry.key,
                value_date=line.entry.value_date,
                amount=f"{-line.entry.amount:.2f}",
                mode=line.entry.mode or "cheque",
                status=line.entry.status,
                paid=(
                    PaidRead(
                        reference=line.entry.obligation or "",
                        kind=line.paid_kind or "",
                        due_date=line.paid_due_date,
                    )
                    if line.paid_due_date is not None
                    else None
                ),
                reference=line.entry.external_reference,
            )
            for line in page.payments
        ],
    )


def _mandate_read(m: Mandate) -> MandateRead:
    return MandateRead(
        rum=m.rum,
        holder=m.account.holder,
        iban=mask_iban(m.account.iban),
        bic=m.account.bic,
        signed_on=m.signed_on,
        creditor_id=m.creditor_id,
        effective_from=m.effective_from,
        ends_on=m.ends_on,
    )


def _direct_debit_read(affiliate_id: str, view: DirectDebitView) -> DirectDebitRead:
    return DirectDebitRead(
        affiliate_id=affiliate_id,
        on_direct_debit=view.current is not None,
        effective_from=view.effective_from,
        current=_mandate_read(view.current) if view.current else None,
        mandates=[_mandate_read(m) for m in view.mandates],
    )


def payments_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.get(
        "/{affiliate_id}/payments",
        response_model=PaymentsPageRead,
        summary="L'historique des versements : date, montant, mode, ce qu'il a payé, état",
        responses=answers(
            {401: UNAUTHORIZED, 403: right("read"), 404: NOT_FOUND, 422: INVALID, 500: INTERNAL}
        ),
    )
    async def history(
        affiliate_id: str,
        who: Annotated[Principal, Depends(principal)],
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> PaymentsPageRead:
        page: PaymentsPage = await call(
            app.queries, commands.ReadPayments(who, affiliate_id, offset, limit)
        )
        return _payment_read(page)

    @router.post(
        "/{affiliate_id}/payments",
        response_model=RecordedRead,
        status_code=201,
        summary="Enregistrer un chèque ou un virement reçu (agent)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`agent-only` : seul un agent enregistre un paiement reçu.",
                404: NOT_FOUND,
                409: f"`payment-already-recorded` : ce chèque ou ce virement (sa référence) "
                f"est déjà enregistré ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : mode, montant, date, référence, échéance inconnue ; "
                f"{KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def record(
        affiliate_id: str, body: PaymentBody, who: Annotated[Principal, Depends(principal)]
    ) -> RecordedRead:
        command = commands.RecordPayment(
            who, affiliate_id, body.mode, body.amount, body.value_date, body.reference, body.pays
        )
        recorded: RecordedPayment = await call(app.bus, command)
        e = recorded.entry
        return RecordedRead(
            payment_id=e.key,
            value_date=e.value_date,
            amount=f"{-e.amount:.2f}",
            mode=e.mode or "cheque",
            status=e.status,
            paid=None
            if e.obligation is None
            else next(
                PaidRead(reference=o.reference, kind=o.kind, due_date=o.due_date)
                for o in recorded.standing.obligations
                if o.reference == e.obligation
            ),
            reference=e.external_reference,
            balance_due=f"{recorded.standing.balance:.2f}",
            overdue=f"{recorded.standing.overdue:.2f}",
        )

    @router.get(
        "/{affiliate_id}/direct-debit",
        response_model=DirectDebitRead,
        summary="Le mandat de prélèvement automatique (SEPA) du compte",
        responses=answers({401: UNAUTHORIZED, 403: right("read"), 404: NOT_FOUND, 500: INTERNAL}),
    )
    async def read_direct_debit(
        affiliate_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> DirectDebitRead:
        view = await call(app.queries, commands.ReadDirectDebit(who, affiliate_id))
        return _direct_debit_read(affiliate_id, view)

    mandate_answers = answers(
        {
            401: UNAUTHORIZED,
            403: right("pay"),
            404: NOT_FOUND,
            409: "`direct-debit-exists` : un mandat est déjà en cours (le modifier) ; "
            f"`no-direct-debit` : aucun mandat en cours ; {KEY_IN_USE}",
            413: TOO_LARGE,
            422: f"{INVALID} : IBAN (clé, clé RIB), BIC qui n'est pas celui de la banque de "
            f"l'IBAN, titulaire, date ; aucune échéance à prélever assez loin ; {KEY_REUSED}",
            500: INTERNAL,
        }
    )

    async def _sign(
        affiliate_id: str, body: DirectDebitBody, who: Principal, changing: bool
    ) -> DirectDebitRead:
        command = commands.SignDirectDebit(
            who,
            affiliate_id,
            BankAccount(body.holder, body.iban, body.bic),
            body.signed_on or app.clock.now().date(),
            changing,
        )
        view: DirectDebitView = await call(app.bus, command)
        return _direct_debit_read(affiliate_id, view)

    @router.post(
        "/{affiliate_id}/direct-debit",
        response_model=DirectDebitRead,
        status_code=201,
        summary="Adhérer au prélèvement automatique : mandat SEPA (IBAN, BIC, titulaire)",
        responses=mandate_answers,
    )
    async def adhere(
        affiliate_id: str, body: DirectDebitBody, who: Annotated[Principal, Depends(principal)]
    ) -> DirectDebitRead:
        return await _sign(affiliate_id, body, who, changing=False)

    @router.put(
        "/{affiliate_id}/direct-debit",
        response_model=DirectDebitRead,
        summary="Changer de compte à prélever : un nouveau mandat, dès la première échéance "
        "à au moins 5 jours ouvrés et 14 jours",
        responses=mandate_answers,
    )
    async def change(
        affiliate_id: str, body: DirectDebitBody, who: Annotated[Principal, Depends(principal)]
    ) -> DirectDebitRead:
        return await _sign(affiliate_id, body, who, changing=True)

    @router.delete(
        "/{affiliate_id}/direct-debit",
        response_model=DirectDebitRead,
        summary="Quitter le prélèvement automatique, dès la première échéance à au moins "
        "5 jours ouvrés",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: right("pay"),
                404: NOT_FOUND,
                409: "`no-direct-debit` : aucun mandat de prélèvement en cours.",
                500: INTERNAL,
            }
        ),
    )
    async def leave(
        affiliate_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> DirectDebitRead:
        view = await call(app.bus, commands.RevokeDirectDebit(who, affiliate_id))
        return _direct_debit_read(affiliate_id, view)

    return router


def bank_operations_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    """Operators (agents) in development: run a debit day now, and put a bank return file on
    the returns topic. Refused in production, where the worker's schedule runs the debit days
    and the bank sends its returns."""
    router = APIRouter(prefix="/v1/operations", tags=["cotisations"])
    principal = bearer_principal(verifier)

    operator_answers: dict[int, str] = {
        401: UNAUTHORIZED,
        403: "`actor-not-allowed` : réservé aux agents ; `development-only` : fermé en production.",
        409: KEY_IN_USE,
        413: TOO_LARGE,
        422: f"{INVALID} ; {KEY_REUSED}",
        500: INTERNAL,
    }

    def _allowed(who: Principal) -> None:
        require_actor(who, "agent")
        if app.settings.environment == "production" or not app.settings.bank_operator_api:
            raise Forbidden(
                "Cette opération de développement est fermée en production.",
                kind="development-only",
            )

    @router.post(
        "/debit-runs",
        response_model=DebitRunRead,
        summary="Émettre les prélèvements d'un jour (développement)",
        responses=answers(operator_answers),
    )
    async def run(
        body: DebitRunBody, who: Annotated[Principal, Depends(principal)]
    ) -> DebitRunRead:
        _allowed(who)
        result: DebitRun = await call(app.bus, commands.RunDebitDay(body.debit_date))
        return DebitRunRead(
            debit_date=result.debit_date,
            file_name=result.file_name,
            transactions=result.transactions,
            total=f"{result.total:.2f}",
            already_run=result.already_run,
        )

    @router.post(
        "/bank-returns",
        response_model=BankReturnRead,
        status_code=202,
        summary="Simuler le fichier de retours de la banque d'un jour (développement)",
        responses=answers(
            {**operator_answers, 404: "`debit-file-not-found` : aucun prélèvement émis ce jour."}
        ),
    )
    async def bank_returns(
        body: BankReturnBody, who: Annotated[Principal, Depends(principal)]
    ) -> BankReturnRead:
        _allowed(who)
        command = commands.PublishBankReturns(
            body.debit_date,
            {r.end_to_end_id: r.reason_code for r in body.rejected},
            body.returned_on,
        )
        counts: tuple[int, int] = await call(app.bus, command)
        return BankReturnRead(debit_date=body.debit_date, settled=counts[0], rejected=counts[1])

    return router
