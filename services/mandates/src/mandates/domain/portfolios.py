"""Portfolios (SPEC.md 3.4, seed 004): a firm's clients in groups, reached by the
collaborators subscribed to them. The aggregate counts its changes (name, subscribers, owner)
in ``version`` and records each in ``events``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from mandates.domain import errors
from mandates.domain.events import (
    DomainEvent,
    PortfolioCreated,
    PortfolioDeleted,
    PortfolioRenamed,
    PortfolioTransferred,
    SubscriberAdded,
    SubscriberRemoved,
)

MAX_PORTFOLIO_NAME = 120


def portfolio_name(name: str) -> str:
    """The name as kept: spaces collapsed, 1 to 120 characters."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_PORTFOLIO_NAME:
        raise errors.PortfolioNameInvalid
    return cleaned


def ensure_unique_name(others: Iterable[Portfolio], name: str, skip: str = "") -> None:
    """Two portfolios of a firm never share a name, whatever the case."""
    for other in others:
        if other.id != skip and other.name.casefold() == name.casefold():
            raise errors.PortfolioNameTaken(name)


@dataclass
class Portfolio:
    id: str
    cabinet_id: str
    name: str
    owner_account_id: str | None
    is_default: bool
    created_at: datetime
    version: int = 1
    subscribers: set[str] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        *,
        portfolio_id: str,
        cabinet_id: str,
        name: str,
        owner_account_id: str | None,
        now: datetime,
        actor: str | None,
        is_default: bool = False,
    ) -> Portfolio:
        """A new portfolio, version 1; the firm's default one is named after its raison
        sociale and owned by its first administrator (seed 004)."""
        portfolio = cls(portfolio_id, cabinet_id, name, owner_account_id, is_default, now)
        portfolio.events.append(PortfolioCreated(*portfolio._about(now, actor)))
        return portfolio

    def _about(
        self, now: datetime, actor: str | None
    ) -> tuple[str, str, str, datetime, str | None, frozenset[str], int]:
        return (
            self.cabinet_id, self.id, self.name, now, actor, frozenset(self.subscribers),
            self.version,
        )  # fmt: skip

    def rename(self, name: str, now: datetime, actor: str | None) -> bool:
        """``True`` when the name changed (``name`` already checked by :func:`portfolio_name`)."""
        previous = self.name
        if name == previous:
            return False
        self.name = name
        self.version += 1
        self.events.append(PortfolioRenamed(*self._about(now, actor), previous_name=previous))
        return True

    def delete(self, clients: int, now: datetime, actor: str | None) -> None:
        """Only an empty portfolio that is not the firm's default one is deleted."""
        if self.is_default:
            raise errors.DefaultPortfolioUndeletable
        if clients:
            raise errors.PortfolioNotEmpty
        self.version += 1
        self.events.append(PortfolioDeleted(*self._about(now, actor)))

    def subscribe(self, account_id: str, name: str, now: datetime, actor: str | None) -> bool:
        if account_id in self.subscribers:
            return False
        self.subscribers.add(account_id)
        self.version += 1
        self.events.append(
            SubscriberAdded(
                *self._about(now, actor), subscriber_account_id=account_id, subscriber_name=name
            )
        )
        return True

    def unsubscribe(self, account_id: str, name: str, now: datetime, actor: str | None) -> bool:
        if account_id not in self.subscribers:
            return False
        self.subscribers.discard(account_id)
        self.version += 1
        self.events.append(
            SubscriberRemoved(
                *self._about(now, actor), subscriber_account_id=account_id, subscriber_name=name
            )
        )
        return True

    def transfer(self, to_account_id: str, to_name: str, now: datetime, actor: str | None) -> None:
        """The responsible changes (seed 000): the new owner is subscribed; mandates stay."""
        previous = self.owner_account_id or ""
        self.owner_account_id = to_account_id
        self.subscribers.add(to_account_id)
        self.version += 1
        self.events.append(
            PortfolioTransferred(
                *self._about(now, actor),
                from_account_id=previous,
                to_account_id=to_account_id,
                to_name=to_name,
            )
        )
