"""cotisations' domain refusals as problem documents: one table, one line per error.

Delegated access (the delegation package) answers its own 404 ``dossier-not-found`` and 403
``right-missing``. A request pydantic refuses is answered with servicekit's French field
messages, its ``detail`` naming each field as the person knows it (``FIELDS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from servicekit.bus import MessageBus
from servicekit.problems import (
    PROBLEM_JSON,
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ValidationProblem,
    field_errors,
)

from cotisations.domain import commands, errors
from cotisations.domain.payments import errors as payment_errors
from cotisations.domain.payments import refusals
from cotisations.entrypoints.http_schemas import ProblemRead


def _unlocks_on(exc: errors.CotisationsError) -> dict[str, Any]:
    assert isinstance(exc, errors.FunctionLocked)
    return {"unlocks_on": exc.unlocks_on.isoformat()}


def _refused_field(exc: errors.CotisationsError) -> dict[str, Any]:
    """A refusal of the rules: about the one field it names, else about none."""
    assert isinstance(exc, errors.ComputationInputInvalid)
    if exc.field is None:
        return {"errors": []}
    return {"errors": [{"field": exc.field, "code": "rule", "message": exc.message}]}


def _estimable_year(exc: errors.CotisationsError) -> dict[str, Any]:
    assert isinstance(exc, errors.EstimateYearNotOpen)
    opens_on = exc.opens_on.isoformat() if exc.opens_on else None
    return {**_refused_field(exc), "estimable_year": exc.estimable_year, "opens_on": opens_on}


def _not_offered(exc: errors.CotisationsError) -> dict[str, Any]:
    assert isinstance(exc, refusals.PaymentNotOffered)
    opens_on = exc.opens_on.isoformat() if exc.opens_on else None
    return {**_refused_field(exc), "reason": exc.code, "opens_on": opens_on}


def _payment_conflict(exc: errors.CotisationsError) -> dict[str, Any]:
    assert isinstance(exc, refusals.PaymentConflict | refusals.PaymentItemNotFound)
    return {"code": exc.code}


Extra = Callable[[errors.CotisationsError], dict[str, Any]]

_PROBLEMS: dict[type[errors.CotisationsError], tuple[type[Problem], str, Extra | None]] = {
    errors.ComputationInputInvalid: (ValidationProblem, "validation-error", _refused_field),
    errors.EstimateYearNotOpen: (ValidationProblem, "validation-error", _estimable_year),
    errors.AccountNotFound: (NotFound, "account-not-found", None),
    errors.CareerAssureOnly: (Forbidden, "career-assure-only", None),
    errors.EstimateLocked: (Conflict, "estimate-locked", _unlocks_on),
    errors.DebitDayLocked: (Conflict, "debit-day-locked", _unlocks_on),
    errors.IncomeAlreadyDeclared: (Conflict, "income-already-declared", None),
    errors.PeriodAlreadyDeclared: (Conflict, "period-already-declared", None),
    refusals.PaymentNotOffered: (ValidationProblem, "validation-error", _not_offered),
    refusals.PaymentConflict: (Conflict, "", _payment_conflict),
    refusals.ConcurrentRequest: (Conflict, "", _payment_conflict),
    refusals.PaymentItemNotFound: (NotFound, "", _payment_conflict),
    refusals.AgentOnly: (Forbidden, "agent-only", None),
    payment_errors.NoDueDateAhead: (ValidationProblem, "validation-error", _refused_field),
    payment_errors.UnknownObligation: (ValidationProblem, "validation-error", _refused_field),
    payment_errors.NoDirectDebit: (Conflict, "no-direct-debit", None),
    payment_errors.DirectDebitExists: (Conflict, "direct-debit-exists", None),
    payment_errors.PaymentAlreadyRecorded: (Conflict, "payment-already-recorded", None),
    payment_errors.OpeningBalanceRecorded: (Conflict, "opening-balance-recorded", None),
    payment_errors.DebitFileNotFound: (NotFound, "debit-file-not-found", None),
}


def to_problem(exc: errors.CotisationsError) -> Problem:
    answer = next((_PROBLEMS[t] for t in type(exc).__mro__ if t in _PROBLEMS), None)
    if answer is None:
        return Problem(exc.message, status=400, kind="cotisations-error")
    base, kind, extra = answer
    return Problem(
        exc.message,
        status=base.status,
        kind=kind or str(getattr(exc, "code", "cotisations-error")),
        title=base.title,
        extra=extra(exc) if extra else None,
    )


async def call(bus: MessageBus[Any, Any], command: commands.Command) -> Any:
    """``command`` through ``bus``; a refusal of the domain answered as its problem document."""
    try:
        return await bus.handle(command)
    except errors.CotisationsError as exc:
        raise to_problem(exc) from exc


FIELDS = {
    "year": "Année",
    "income": "Revenu",
    "turnover": "Chiffre d'affaires",
    "period": "Période",
    "periodicity": "Périodicité",
    "debit_day": "Jour de prélèvement",
    "holder_name": "Nom du titulaire",
    "address": "Adresse",
    "terms_accepted": "Conditions générales d'utilisation",
    "parts": "Comptes à débiter",
    "instalments": "Nombre d'échéances",
    "decision": "Décision",
    "reason": "Motif",
    "holder": "Titulaire du compte",
    "iban": "IBAN",
    "bic": "BIC",
    "signed_on": "Date de signature",
    "mode": "Mode de paiement",
    "amount": "Montant",
    "value_date": "Date de valeur",
    "reference": "Référence",
    "pays": "Échéance payée",
    "debit_date": "Date de prélèvement",
    "header.Idempotency-Key": (
        "L'en-tête Idempotency-Key (une clé par demande, la même pour la renvoyer)"
    ),
}
"""The fields of cotisations' requests as a person knows them.

A payment refusal whose problem type is its own ``code`` (``telepayment-mandate-exists``,
``telepayment-locked``, ``plan-already-decided``…) has an empty kind in ``_PROBLEMS``."""


def _sentence(error: dict[str, Any]) -> str:
    message, name = str(error["message"]), error["field"]
    if error["code"] == "value_error" or not name:  # cotisations' own: it names the field
        return message
    label = FIELDS.get(name, f"« {name} »")
    return f"{label} : {message[:1].lower()}{message[1:]}"


def validation_problem(exc: RequestValidationError) -> ValidationProblem:
    """servicekit's field messages; the detail says them field by field, in French words."""
    errors = field_errors(list(exc.errors()))
    return ValidationProblem(detail_of(errors), errors)


def detail_of(errors: list[dict[str, Any]]) -> str:
    """The refusals as sentences, each once (two parts with the same mistake say it once)."""
    sentences = dict.fromkeys(_sentence(e).rstrip() for e in errors)
    said = " ".join(s if s.endswith((".", "?", "!")) else f"{s}." for s in sentences if s)
    return said or "Données invalides."


def install_validation_answer(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problem = validation_problem(exc)
        return JSONResponse(
            problem.body(instance=request.url.path),
            status_code=problem.status,
            media_type=PROBLEM_JSON,
        )

    app.add_exception_handler(RequestValidationError, on_validation)


# -- what each route declares in the OpenAPI document ------------------------------------------

UNAUTHORIZED = "`unauthorized` : jeton absent, expiré ou illisible."
NOT_FOUND = (
    "`dossier-not-found` : aucun accès à ce dossier (son existence n'est pas révélée) ; "
    "`account-not-found` : aucun compte cotisant."
)
TOO_LARGE = "`payload-too-large` : corps de la requête trop volumineux."
INTERNAL = "`internal-error` : erreur inattendue, sans détail ; la requête peut être retentée."
KEY_IN_USE = "`idempotency-key-in-use` : une requête de même clé d'idempotence est en cours."
KEY_REUSED = "`idempotency-key-reused` : cette clé d'idempotence a servi pour un autre corps."
INVALID = "`validation-error` : champ refusé (`errors`, en français) ou règle du compte"


def right(name: str) -> str:
    return f"`right-missing` : un utilisateur de cabinet sans le droit « {name} »."


def answers(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: each status it can answer, with its problem document."""
    return {
        status: {"model": ProblemRead, "description": text} for status, text in described.items()
    }


def problem_json(app: FastAPI) -> None:
    """The OpenAPI document says ``application/problem+json`` for the problems cotisations'
    routes declare, and no more the 422 FastAPI adds of itself to a route that cannot
    answer one (its ``HTTPValidationError`` is not what is answered anyway)."""
    generate = app.openapi
    ref = f"#/components/schemas/{ProblemRead.__name__}"

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if "cotisations" not in operation.get("tags", []):
                    continue
                responses = operation.get("responses", {})
                for status, response in list(responses.items()):
                    content = response.get("content", {})
                    body = content.get("application/json", {}).get("schema", {})
                    if body.get("$ref") == ref:
                        content[PROBLEM_JSON] = content.pop("application/json")
                    elif status == "422":
                        del responses[status]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
