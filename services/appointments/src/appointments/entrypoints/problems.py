"""appointments' refusals as problem documents: one table, one line per error."""

from __future__ import annotations

from typing import Any

from servicekit.bus import MessageBus
from servicekit.problems import Conflict, Forbidden, NotFound, Problem, ValidationProblem

from appointments.domain import errors

_PROBLEMS: dict[type[errors.AppointmentsError], tuple[type[Problem], str, str | None]] = {
    errors.InvalidRequest: (ValidationProblem, "validation-error", None),
    errors.SlotFull: (Conflict, "slot-full", "Créneau complet"),
    errors.TooManyRequests: (Conflict, "too-many-open-requests", "Trop de rendez-vous à venir"),
    errors.NotFound: (NotFound, "not-found", None),
    errors.StateConflict: (Conflict, "appointment-state", "Action impossible"),
    errors.LinkUsed: (Problem, "link-used", "Lien périmé"),
    errors.LinkRefused: (NotFound, "link-not-found", "Lien inconnu"),
    errors.AgentOnly: (Forbidden, "agent-only", None),
    errors.CapacityBelowTaken: (Conflict, "capacity-below-taken", "Capacité trop basse"),
}
_STATUS = {errors.LinkUsed: 410}


def to_problem(exc: errors.AppointmentsError) -> Problem:
    base, kind, title = next(
        (_PROBLEMS[t] for t in type(exc).__mro__ if t in _PROBLEMS),
        (Problem, "appointments-error", None),
    )
    extra: dict[str, Any] = dict(exc.extra)
    if exc.field is not None:
        extra["errors"] = [{"field": exc.field, "code": kind, "message": exc.message}]
    status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), base.status)
    return Problem(exc.message, status=status, kind=kind, title=title or base.title, extra=extra)


async def call(bus: MessageBus[Any, Any], command: object) -> Any:
    try:
        return await bus.handle(command)
    except errors.AppointmentsError as exc:
        raise to_problem(exc) from exc
