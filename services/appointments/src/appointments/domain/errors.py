"""appointments' refusals, each with its message in French (the problem's ``detail``)."""

from __future__ import annotations

from typing import Any


class AppointmentsError(Exception):
    def __init__(
        self, message: str, field: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class InvalidRequest(AppointmentsError):
    """A field of the request is wrong (422, naming the field)."""


class SlotFull(AppointmentsError):
    """The slot has no place left (409, with the next free slots)."""


class TooManyRequests(AppointmentsError):
    """The person already holds the most open requests allowed (409)."""


class NotFound(AppointmentsError):
    """No such appointment, agency or slot for this caller (404)."""


class StateConflict(AppointmentsError):
    """The appointment is not in a state that allows this (409)."""


class LinkUsed(AppointmentsError):
    """The manage link was used already, or the appointment changed since (410)."""


class LinkRefused(AppointmentsError):
    """The manage link is not one of ours, or has expired (404 / 410)."""


class AgentOnly(AppointmentsError):
    """Back-office action (403)."""


class CapacityBelowTaken(AppointmentsError):
    """A capacity lower than the places already taken (409)."""
