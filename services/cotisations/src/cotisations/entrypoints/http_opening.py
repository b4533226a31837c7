"""``POST /v1/accounts/{affiliate_id}/opening-balance``: the balance carried from the former
books, recorded once by an agent."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from servicekit.auth import Principal, TokenVerifier
from servicekit.fastapi_auth import bearer_principal
from servicekit.french import TypedDate

from cotisations.bootstrap import CotisationsApp
from cotisations.domain.payments import commands
from cotisations.entrypoints.http_inputs import amount
from cotisations.entrypoints.http_payments_inputs import reference_reader
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
)
from cotisations.service_layer.opening import RecordedOpening

_LIMIT = Decimal(10_000_000)
_read_amount = amount("Le solde repris", -_LIMIT, _LIMIT, "-120.50")


def _balance(value: Any) -> Decimal:
    read: Decimal = _read_amount(value)
    if read == 0:
        raise ValueError(
            "Le solde repris ne peut pas être nul : un compte sans solde antérieur n'a rien à "
            "reprendre."
        )
    return read


_reference = reference_reader("La référence du solde dans les comptes antérieurs")


class OpeningBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[Decimal, BeforeValidator(_balance)] = Field(
        examples=["1250.00", "-120.50"],
        description="EUR, to the cent: positive owed (a debt), negative in credit",
    )
    due_date: TypedDate = Field(
        description="when the amount owed fell due in the former books (for a credit: the day "
        "it was established)"
    )
    reference: Annotated[str, BeforeValidator(_reference)] = Field(
        examples=["REPRISE-2025-000123"], description="the former books' reference"
    )


class OpeningRead(BaseModel):
    amount: str
    due_date: date
    reference: str
    obligation: str | None = Field(
        description="`debt:opening` for an amount owed (offered by « Payer »); none for a "
        "credit, on account"
    )
    balance_due: str
    overdue: str
    up_to_date: bool


def opening_router(app: CotisationsApp, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["cotisations"])
    principal = bearer_principal(verifier)

    @router.post(
        "/{affiliate_id}/opening-balance",
        response_model=OpeningRead,
        status_code=201,
        summary="Enregistrer le solde repris des comptes antérieurs (agent, une fois)",
        responses=answers(
            {
                401: UNAUTHORIZED,
                403: "`agent-only` : seul un agent enregistre le solde repris des comptes "
                "antérieurs.",
                404: NOT_FOUND,
                409: "`opening-balance-recorded` : le solde repris est déjà enregistré sur ce "
                f"compte ; {KEY_IN_USE}",
                413: TOO_LARGE,
                422: f"{INVALID} : montant nul ou à plus de deux décimales, date, référence ; "
                f"{KEY_REUSED}",
                500: INTERNAL,
            }
        ),
    )
    async def record(
        affiliate_id: str, body: OpeningBody, who: Annotated[Principal, Depends(principal)]
    ) -> OpeningRead:
        command = commands.RecordOpeningBalance(
            who, affiliate_id, body.amount, body.due_date, body.reference
        )
        recorded: RecordedOpening = await call(app.bus, command)
        e, s = recorded.entry, recorded.standing
        return OpeningRead(
            amount=f"{e.amount:.2f}",
            due_date=e.value_date,
            reference=e.external_reference or "",
            obligation=e.obligation,
            balance_due=f"{s.balance:.2f}",
            overdue=f"{s.overdue:.2f}",
            up_to_date=s.up_to_date,
        )

    return router
