"""mandates events, version 1 (keyed by affiliate id, or cabinet id for portfolios)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from contracts.base import EventPayload, SealedSecret
from contracts.common import Recipient

MANDATE = "mandates.mandate"
PORTFOLIO = "mandates.portfolio"

EndedBy = Literal["client", "cabinet", "replacement", "registry"]


def _mandate_version() -> Any:
    return Field(
        default=None,
        ge=1,
        description=(
            "The mandate's version: one more at each of its changes. A consumer keeps, per"
            " mandate, the version it applied last and ignores an event of a lower or equal one"
            " (a late replay never undoes a newer state)."
        ),
    )


def _portfolio_version() -> Any:
    return Field(
        default=None,
        ge=1,
        description=(
            "The portfolio's version: one more at each of its changes (name, subscribers,"
            " owner). A consumer ignores an event older than the state it holds for that"
            " portfolio."
        ),
    )


class MandateKeyIssuedV1(EventPayload):
    """A key letter must be posted to the client at the registry address; the key is sealed."""

    event_type = "mandates.mandate.key_issued.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    cabinet_name: str
    sealed_key: SealedSecret
    reference: str
    issued_at: datetime
    supersedes_event_id: str | None = Field(
        default=None,
        description=(
            "The `key_issued` event of the letter this one replaces (a key re-issued): its"
            " letter is withdrawn if not printed yet, shown superseded otherwise."
        ),
    )
    version: int | None = _mandate_version()


class MandateActivatedV1(EventPayload):
    event_type = "mandates.mandate.activated.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    cabinet_name: str
    client_name: str
    activated_at: datetime
    notify: list[Recipient] = Field(default_factory=list, description="The firm's users to tell.")
    portfolio_id: str | None = Field(default=None, description="The client's portfolio.")
    version: int | None = _mandate_version()


class MandateEndedV1(EventPayload):
    event_type = "mandates.mandate.ended.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    cabinet_name: str
    client_name: str
    ended_by: EndedBy
    ended_at: datetime
    notify: list[Recipient] = Field(default_factory=list, description="The firm's users to tell.")

    version: int | None = _mandate_version()


LetterStatus = Literal["queued", "printed", "posted", "returned"]


class MandateLetterStatusChangedV1(EventPayload):
    """The key letter moved on at the printer (from ``notifications.delivery``); the first
    change takes a requested mandate to ``letter_sent``."""

    event_type = "mandates.mandate.letter_status_changed.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    state: str
    letter_status: LetterStatus
    changed_at: datetime
    version: int | None = _mandate_version()


class MandateLockedV1(EventPayload):
    """Five wrong keys: the request is locked until the firm re-issues a key."""

    event_type = "mandates.mandate.locked.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    locked_at: datetime
    version: int | None = _mandate_version()


class MandateDeletedV1(EventPayload):
    """The firm deleted a request before it was activated; its key is dead."""

    event_type = "mandates.mandate.deleted.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    deleted_at: datetime
    version: int | None = _mandate_version()


class MandateMovedV1(EventPayload):
    """The client was moved to another portfolio of the same firm; the mandate stays active."""

    event_type = "mandates.mandate.moved.v1"
    topic = MANDATE

    mandate_id: str
    affiliate_id: str
    cabinet_id: str
    portfolio_id: str
    moved_at: datetime
    version: int | None = _mandate_version()


class PortfolioEventV1(EventPayload):
    """A change to a portfolio; ``notify`` lists the other subscribers concerned."""

    cabinet_id: str
    cabinet_name: str
    portfolio_id: str
    portfolio_name: str
    occurred_at: datetime
    notify: list[Recipient] = Field(default_factory=list)
    version: int | None = _portfolio_version()


class PortfolioCreatedV1(PortfolioEventV1):
    event_type = "mandates.portfolio.created.v1"
    topic = PORTFOLIO


class PortfolioRenamedV1(PortfolioEventV1):
    event_type = "mandates.portfolio.renamed.v1"
    topic = PORTFOLIO

    previous_name: str


class PortfolioDeletedV1(PortfolioEventV1):
    """An empty portfolio was deleted by an administrator."""

    event_type = "mandates.portfolio.deleted.v1"
    topic = PORTFOLIO


class PortfolioSubscriberAddedV1(PortfolioEventV1):
    event_type = "mandates.portfolio.subscriber_added.v1"
    topic = PORTFOLIO

    subscriber_account_id: str
    subscriber_name: str


class PortfolioSubscriberRemovedV1(PortfolioEventV1):
    event_type = "mandates.portfolio.subscriber_removed.v1"
    topic = PORTFOLIO

    subscriber_account_id: str
    subscriber_name: str


class PortfolioTransferredV1(PortfolioEventV1):
    event_type = "mandates.portfolio.transferred.v1"
    topic = PORTFOLIO

    from_account_id: str
    to_account_id: str
    to_name: str
