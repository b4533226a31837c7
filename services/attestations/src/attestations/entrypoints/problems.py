"""attestations' refusals as problem documents: one table, one line per error."""

from __future__ import annotations

from typing import Any

from attestations.domain import errors
from servicekit.bus import MessageBus
from servicekit.problems import Forbidden, NotFound, Problem, ValidationProblem

_PROBLEMS: dict[type[errors.AttestationsError], tuple[type[Problem], str]] = {
    errors.AttestationNotFound: (NotFound, "attestation-not-found"),
    errors.CodeNotFound: (NotFound, "code-not-found"),
    errors.TeleserviceClosed: (Forbidden, "teleservice-closed"),
    errors.AgentOnly: (Forbidden, "agent-only"),
    errors.KindNotApplicable: (ValidationProblem, "kind-not-applicable"),
    errors.YearRequired: (ValidationProblem, "validation-error"),
    errors.AttestationRefused: (ValidationProblem, "attestation-refused"),
}


def to_problem(exc: errors.AttestationsError) -> Problem:
    base, kind = next(
        (_PROBLEMS[t] for t in type(exc).__mro__ if t in _PROBLEMS), (Problem, "attestations-error")
    )
    extra: dict[str, Any] | None = None
    if isinstance(exc, errors.AttestationRefused):
        extra = {"reason": exc.reason, "what_to_do": exc.what_to_do}
    if isinstance(exc, errors.YearRequired):
        extra = {"errors": [{"field": "year", "code": "missing", "message": exc.message}]}
    title = TITLES.get(kind, base.title)
    return Problem(exc.message, status=base.status, kind=kind, title=title, extra=extra)


TITLES = {
    "attestation-refused": "Attestation refusée",
    "kind-not-applicable": "Attestation non disponible pour votre situation",
}
"""A refusal is not invalid data: its title says what it is."""


async def call(bus: MessageBus[Any, Any], command: object) -> Any:
    try:
        return await bus.handle(command)
    except errors.AttestationsError as exc:
        raise to_problem(exc) from exc
