"""Commands: what is asked of notifications, each handled through the bus (``bootstrap.py``).

Deliveries themselves are planned by the consumers (``service_layer/consumers.py``), from the
events of the other services, not by a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.domain.model import PARKED


class Command:
    """Marker base class."""


@dataclass(frozen=True)
class RetryDelivery(Command):
    """An operator sends a parked delivery again."""

    delivery_id: str


@dataclass(frozen=True)
class DispatchDue(Command):
    """The dispatcher's step: claim up to ``limit`` due deliveries and send them."""

    limit: int = 50


@dataclass(frozen=True)
class TrackLetters(Command):
    """The letter tracker's step: ask the channel where every letter in transit is, reading
    them ``page_size`` at a time, oldest first."""

    page_size: int = 100


@dataclass(frozen=True)
class ListDeliveries(Command):
    """What an operator sees: the deliveries in one state (a query: it changes nothing)."""

    state: str = PARKED
    limit: int = 100
