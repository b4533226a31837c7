"""mandates' domain refusals as problem documents: the one table of status, type and title.

The detail is the error's French message; a few errors add members (the attempts left, the
right missing, the field in error).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from servicekit.problems import Conflict, Forbidden, NotFound, Problem, ValidationProblem

from mandates.domain import errors

Extra = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Doc:
    status: int
    kind: str | None  # None: the error's own ``code`` (a spreadsheet's refusal)
    title: str
    members: Extra | None = None  # the problem's extension members


REFUSED = "Client refusé"
NOT_FOUND, FORBIDDEN, CONFLICT = NotFound.title, Forbidden.title, Conflict.title


def _right(exc: Any) -> dict[str, Any]:
    return {"right": exc.right}


def _attempts(exc: Any) -> dict[str, Any]:
    return {"attempts_left": exc.attempts_left}


def _name_field(_: Any) -> dict[str, Any]:
    return {"errors": [{"field": "name", "message": "1 à 120 caractères"}]}


PROBLEMS: dict[type[errors.MandatesError], Doc] = {
    errors.CabinetNotFound: Doc(404, "cabinet-not-found", NOT_FOUND),
    errors.ClientNotFound: Doc(404, "client-not-found", NOT_FOUND),
    errors.PortfolioNotFound: Doc(404, "portfolio-not-found", NOT_FOUND),
    errors.FirmUserNotFound: Doc(404, "user-not-found", NOT_FOUND),
    errors.ImportNotFound: Doc(404, "import-not-found", NOT_FOUND),
    errors.ImportIdTaken: Doc(409, "import-id-taken", CONFLICT),
    errors.ActiveMandateNotFound: Doc(404, "no-active-mandate", NOT_FOUND),
    errors.RightMissing: Doc(403, "missing-right", FORBIDDEN, _right),
    errors.AdministratorRequired: Doc(403, "missing-right", FORBIDDEN, _right),
    errors.SubscriptionMissing: Doc(403, "no-portfolio", FORBIDDEN),
    errors.AssureRequired: Doc(403, "assure-only", FORBIDDEN),
    # adding a client: the type is the refusal's code, as in an import's report
    errors.ClientRefused: Doc(422, None, REFUSED),
    errors.IdentifierInvalid: Doc(422, "invalid-identifier", REFUSED),
    errors.SirenInvalid: Doc(422, "invalid-siren", REFUSED),
    errors.SiretInvalid: Doc(422, "invalid-siret", REFUSED),
    errors.ClientNameInvalid: Doc(422, "invalid-name", REFUSED),
    errors.NirInvalid: Doc(422, "invalid-nir", REFUSED),
    errors.AffiliateUnknown: Doc(422, "unknown-affiliate", REFUSED),
    errors.AffiliateRadiated: Doc(422, "radiated", REFUSED),
    errors.ConsentWithheld: Doc(422, "consent-off", REFUSED),
    errors.ClientAlreadyFollowed: Doc(409, "already-client", REFUSED),
    errors.RowUnreadable: Doc(422, "unreadable-row", REFUSED),
    errors.RowMalformed: Doc(422, "malformed-row", REFUSED),
    errors.RowDuplicated: Doc(422, "duplicate-row", REFUSED),
    errors.SpreadsheetRefused: Doc(422, None, "Fichier refusé"),
    # the key and the lifecycle
    errors.KeyMistyped: Doc(422, "key-typo", "Clé mal saisie", _attempts),
    errors.KeyMismatch: Doc(422, "wrong-key", "Clé erronée", _attempts),
    errors.RequestLocked: Doc(409, "request-locked", "Demande verrouillée"),
    errors.MandateStateConflict: Doc(409, "wrong-state", "Action impossible"),
    errors.MandateVersionConflict: Doc(409, "concurrent-change", CONFLICT),
    errors.ClientWriteConflict: Doc(409, "concurrent-change", CONFLICT),
    # portfolios
    errors.PortfolioNameInvalid: Doc(422, "validation-error", ValidationProblem.title, _name_field),
    errors.PortfolioNameTaken: Doc(409, "portfolio-exists", CONFLICT),
    errors.DefaultPortfolioUndeletable: Doc(409, "default-portfolio", CONFLICT),
    errors.PortfolioNotEmpty: Doc(409, "portfolio-not-empty", CONFLICT),
    errors.TransfereeNotAdministrator: Doc(409, "not-an-administrator", CONFLICT),
    errors.PortfolioVersionConflict: Doc(409, "concurrent-change", CONFLICT),
}


def doc_of(error: type[errors.MandatesError]) -> Doc:
    for cls in error.__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return Doc(400, "mandates-error", Problem.title)


def to_problem(exc: errors.MandatesError) -> Problem:
    doc = doc_of(type(exc))
    kind = doc.kind or str(getattr(exc, "code", "mandates-error"))
    members = doc.members(exc) if doc.members else None
    return Problem(exc.message, status=doc.status, kind=kind, title=doc.title, extra=members)


def install(api: FastAPI) -> None:
    """Answer every domain refusal with its problem document, as servicekit answers any
    :class:`Problem`."""
    answer = api.exception_handlers[Problem]

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, errors.MandatesError)
        response = answer(request, to_problem(exc))
        return await response if inspect.isawaitable(response) else response

    api.add_exception_handler(errors.MandatesError, on_refusal)
