"""notifications' domain refusals as problem documents: the one table of status and type.

The detail is the error's French message; the title is the status's (``servicekit.problems``).
"""

from __future__ import annotations

from typing import Any

from servicekit.bus import MessageBus
from servicekit.problems import Conflict, NotFound, Problem

from notifications.domain import commands, errors

PROBLEMS: dict[type[errors.NotificationsError], tuple[type[Problem], str]] = {
    errors.DeliveryNotFound: (NotFound, "delivery-not-found"),
    errors.DeliveryNotParked: (Conflict, "delivery-not-parked"),
    errors.DeliveryStateConflict: (Conflict, "delivery-state-conflict"),
}


def to_problem(exc: errors.NotificationsError) -> Problem:
    answer = next((PROBLEMS[t] for t in type(exc).__mro__ if t in PROBLEMS), None)
    if answer is None:
        return Problem(exc.message, status=400, kind="notifications-error")
    base, kind = answer
    return Problem(exc.message, status=base.status, kind=kind, title=base.title)


async def call(bus: MessageBus[Any, Any], command: commands.Command) -> Any:
    """``command`` through ``bus``; a refusal of the domain answered as its problem document."""
    try:
        return await bus.handle(command)
    except errors.NotificationsError as exc:
        raise to_problem(exc) from exc
