"""Domain events → integration events (``contracts.mandates.v1``) and the outbox rows that
carry them. Keys are sealed here, and only here; the names and the people to tell are read
here (once per publication: an import issues thousands of keys of one firm)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from contracts.common import Recipient
from contracts.mandates import v1
from servicekit.outbox import Outgoing

from mandates.domain.directory import FirmUser, concerned
from mandates.domain.events import (
    DomainEvent,
    KeyIssued,
    LetterStatusChanged,
    MandateActivated,
    MandateDeleted,
    MandateEnded,
    MandateLocked,
    MandateMoved,
    PortfolioCreated,
    PortfolioDeleted,
    PortfolioEvent,
    PortfolioRenamed,
    PortfolioTransferred,
    SubscriberAdded,
    SubscriberRemoved,
)
from mandates.domain.model import Mandate
from mandates.domain.portfolios import Portfolio
from mandates.service_layer.firms import recipients
from mandates.service_layer.ports import KeySealer, MandatesUnitOfWork


@dataclass
class _Reads:
    """What the payloads need beyond the events, read at most once per publication."""

    uow: MandatesUnitOfWork
    names: dict[str, str] = field(default_factory=dict)
    users: dict[str, list[FirmUser]] = field(default_factory=dict)

    async def cabinet_name(self, cabinet_id: str) -> str:
        if cabinet_id not in self.names:
            name = await self.uow.directory.cabinet_name(cabinet_id)
            self.names[cabinet_id] = name or cabinet_id
        return self.names[cabinet_id]

    async def users_of(self, cabinet_id: str) -> list[FirmUser]:
        if cabinet_id not in self.users:
            self.users[cabinet_id] = await self.uow.directory.users_of(cabinet_id)
        return self.users[cabinet_id]


def _recipient(user: FirmUser) -> Recipient:
    return Recipient(email=user.email or "", display_name=user.name or user.email or "")


async def _portfolio(event: PortfolioEvent, reads: _Reads) -> dict[str, Any]:
    """The fields of every portfolio event; the subscribers concerned are told (not the
    administrators as such, never the user who acted)."""
    told = concerned(
        await reads.users_of(event.cabinet_id), event.subscribers, exclude=event.actor, admins=False
    )
    return {
        "cabinet_id": event.cabinet_id,
        "cabinet_name": await reads.cabinet_name(event.cabinet_id),
        "portfolio_id": event.portfolio_id,
        "portfolio_name": event.portfolio_name,
        "occurred_at": event.occurred_at,
        "notify": [_recipient(u) for u in told],
        "version": event.version,
    }


async def to_integration(event: DomainEvent, reads: _Reads, sealer: KeySealer) -> Outgoing | None:
    uow = reads.uow
    match event:
        case KeyIssued():
            issued = v1.MandateKeyIssuedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                cabinet_name=await reads.cabinet_name(event.cabinet_id),
                sealed_key=sealer.seal(event.key),
                reference=f"MDT-{event.mandate_id[:8].upper()}",
                issued_at=event.issued_at,
                supersedes_event_id=event.supersedes_event_id,
                version=event.version,
            )
            return Outgoing(issued, event.affiliate_id, event.event_id)
        case LetterStatusChanged():
            letter = v1.MandateLetterStatusChangedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                state=event.state,
                letter_status=cast(v1.LetterStatus, event.letter_status),
                changed_at=event.changed_at,
                version=event.version,
            )
            return Outgoing(letter, event.affiliate_id)
        case MandateLocked():
            locked = v1.MandateLockedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                locked_at=event.locked_at,
                version=event.version,
            )
            return Outgoing(locked, event.affiliate_id)
        case MandateActivated():
            activated = v1.MandateActivatedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                cabinet_name=await reads.cabinet_name(event.cabinet_id),
                client_name=event.client_name,
                activated_at=event.activated_at,
                notify=await recipients(
                    uow, event.cabinet_id, event.portfolio_id, exclude=event.actor
                ),
                portfolio_id=event.portfolio_id,
                version=event.version,
            )
            return Outgoing(activated, event.affiliate_id)
        case MandateEnded():
            ended = v1.MandateEndedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                cabinet_name=await reads.cabinet_name(event.cabinet_id),
                client_name=event.client_name,
                ended_by=cast(v1.EndedBy, event.ended_by),
                ended_at=event.ended_at,
                notify=await recipients(
                    uow, event.cabinet_id, event.portfolio_id, exclude=event.actor
                ),
                version=event.version,
            )
            return Outgoing(ended, event.affiliate_id)
        case MandateDeleted():
            deleted = v1.MandateDeletedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                deleted_at=event.deleted_at,
                version=event.version,
            )
            return Outgoing(deleted, event.affiliate_id)
        case MandateMoved():
            moved = v1.MandateMovedV1(
                mandate_id=event.mandate_id,
                affiliate_id=event.affiliate_id,
                cabinet_id=event.cabinet_id,
                portfolio_id=event.portfolio_id,
                moved_at=event.moved_at,
                version=event.version,
            )
            return Outgoing(moved, event.affiliate_id)
        case PortfolioEvent():
            return Outgoing(await _portfolio_payload(event, reads), event.cabinet_id)
    return None


async def _portfolio_payload(event: PortfolioEvent, reads: _Reads) -> v1.PortfolioEventV1:
    base = await _portfolio(event, reads)
    match event:
        case PortfolioCreated():
            return v1.PortfolioCreatedV1(**base)
        case PortfolioRenamed():
            return v1.PortfolioRenamedV1(**base, previous_name=event.previous_name)
        case PortfolioDeleted():
            return v1.PortfolioDeletedV1(**base)
        case SubscriberAdded():
            return v1.PortfolioSubscriberAddedV1(
                **base,
                subscriber_account_id=event.subscriber_account_id,
                subscriber_name=event.subscriber_name,
            )
        case SubscriberRemoved():
            removed = await reads.uow.directory.user(event.subscriber_account_id)
            if removed is not None and removed.email:  # the one removed is told first
                told = Recipient(email=removed.email, display_name=event.subscriber_name)
                base["notify"] = [told, *base["notify"]]
            return v1.PortfolioSubscriberRemovedV1(
                **base,
                subscriber_account_id=event.subscriber_account_id,
                subscriber_name=event.subscriber_name,
            )
        case PortfolioTransferred():
            return v1.PortfolioTransferredV1(
                **base,
                from_account_id=event.from_account_id,
                to_account_id=event.to_account_id,
                to_name=event.to_name,
            )
    raise TypeError(f"no contract for {type(event).__name__}")


async def outgoing(
    uow: MandatesUnitOfWork, sealer: KeySealer, events: Sequence[DomainEvent]
) -> list[Outgoing]:
    """The integration events of ``events``, in order."""
    reads = _Reads(uow)
    found = [await to_integration(event, reads, sealer) for event in events]
    return [o for o in found if o is not None]


async def publish(
    uow: MandatesUnitOfWork, sealer: KeySealer, *aggregates: Mandate | Portfolio
) -> None:
    """Write the events the aggregates recorded to the outbox, in one statement, in the order
    of the aggregates; their events are then cleared."""
    events = [event for aggregate in aggregates for event in aggregate.events]
    await uow.outbox.add_many(await outgoing(uow, sealer, events))
    for aggregate in aggregates:
        aggregate.events.clear()
