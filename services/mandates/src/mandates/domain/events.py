"""Domain events: facts recorded by the aggregates, turned into contracts by integration.py.

Each carries the aggregate's ``version`` after the change. ``actor`` is the firm user who
acted, when one did: the people told of the change never include them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class DomainEvent:
    """Marker base class."""


# --- mandates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyIssued(DomainEvent):
    """A key letter must go out. Carries the plain key in memory only: it is sealed for
    notifications before it leaves; ``event_id`` is the id of the event that leaves (the
    letter's status comes back with it); ``supersedes_event_id`` the id of the key issue a
    re-issued key replaces (its letter is withdrawn), ``None`` for a first key."""

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    key: str = field(repr=False)
    event_id: str
    issued_at: datetime
    version: int
    supersedes_event_id: str | None = None


@dataclass(frozen=True)
class LetterStatusChanged(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    state: str
    letter_status: str
    changed_at: datetime
    version: int


@dataclass(frozen=True)
class MandateLocked(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    locked_at: datetime
    version: int


@dataclass(frozen=True)
class MandateActivated(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    client_name: str
    portfolio_id: str
    activated_at: datetime
    actor: str | None
    version: int


@dataclass(frozen=True)
class MandateEnded(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    client_name: str
    portfolio_id: str
    ended_by: str
    ended_at: datetime
    actor: str | None
    version: int


@dataclass(frozen=True)
class MandateDeleted(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    deleted_at: datetime
    version: int


@dataclass(frozen=True)
class MandateMoved(DomainEvent):
    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    portfolio_id: str
    moved_at: datetime
    version: int


# --- portfolios --------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioEvent(DomainEvent):
    """A change to a portfolio; ``subscribers`` are its subscribers after the change."""

    cabinet_id: str
    portfolio_id: str
    portfolio_name: str
    occurred_at: datetime
    actor: str | None
    subscribers: frozenset[str]
    version: int


@dataclass(frozen=True)
class PortfolioCreated(PortfolioEvent):
    pass


@dataclass(frozen=True)
class PortfolioRenamed(PortfolioEvent):
    previous_name: str = ""


@dataclass(frozen=True)
class PortfolioDeleted(PortfolioEvent):
    pass


@dataclass(frozen=True)
class SubscriberAdded(PortfolioEvent):
    subscriber_account_id: str = ""
    subscriber_name: str = ""


@dataclass(frozen=True)
class SubscriberRemoved(PortfolioEvent):
    """The removed subscriber is told too (``subscribers`` no longer holds them)."""

    subscriber_account_id: str = ""
    subscriber_name: str = ""


@dataclass(frozen=True)
class PortfolioTransferred(PortfolioEvent):
    from_account_id: str = ""
    to_account_id: str = ""
    to_name: str = ""
