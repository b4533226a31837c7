"""What cotisations' worker does with the events it consumes: accounts follow the registry,
delegated access follows mandates. Each event is applied once (the inbox), in the same
transaction as its effect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from contracts.bank import v1 as bank_v1
from contracts.identity import v1 as identity_v1
from servicekit.messaging import IncomingEvent
from servicekit.uow import consume_batch, consume_once

from cotisations.domain.account import ContributionAccount, contributes
from cotisations.service_layer.payments import apply_return
from cotisations.service_layer.ports import CotisationsUnitOfWork

CONSUMER = "cotisations"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


async def _follow_registry(u: CotisationsUnitOfWork, event: IncomingEvent, today: date) -> None:
    p = event.payload(identity_v1.AffiliateRegisteredV1)
    account = await u.accounts.get(p.affiliate_id)
    if account is None and contributes(p.category):
        account = ContributionAccount(
            affiliate_id=p.affiliate_id,
            category=p.category,
            departement=p.departement,
            opened_on=p.affiliated_on,
            closed_on=p.radiated_on,
            holder_name=p.display_name,
            ledger_from=today,  # what fell due before is in the books this one replaces
        )
        await u.accounts.add(account)
    elif account is not None:
        account.follow_registry(p.departement, p.display_name, p.radiated_on)
        await u.accounts.save(account)


async def on_affiliate(event: IncomingEvent, uow: CotisationsUnitOfWork, today: date) -> None:
    """Open an account for a contributing category (its ledger from ``today``, the business
    date); keep its département; close on radiation."""
    event.payload(identity_v1.AffiliateRegisteredV1)  # a malformed one is a poison message

    async def effect(u: CotisationsUnitOfWork) -> None:
        await _follow_registry(u, event, today)

    await consume_once(uow, CONSUMER, event, effect)


async def on_affiliates(
    events: Sequence[IncomingEvent], uow: CotisationsUnitOfWork, today: date
) -> None:
    """:func:`on_affiliate` for the events of one fetch, in one transaction."""

    async def effect(u: CotisationsUnitOfWork, event: IncomingEvent) -> None:
        await _follow_registry(u, event, today)

    await consume_batch(uow, CONSUMER, events, effect)


async def on_access_event(event: IncomingEvent, uow: CotisationsUnitOfWork) -> None:
    async def effect(u: CotisationsUnitOfWork) -> None:
        await u.access.apply(event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_access_events(events: Sequence[IncomingEvent], uow: CotisationsUnitOfWork) -> None:
    """:func:`on_access_event` for the events of one fetch, in one transaction."""

    async def effect(u: CotisationsUnitOfWork, event: IncomingEvent) -> None:
        await u.access.apply(event)

    await consume_batch(uow, CONSUMER, events, effect)


RETURN_TYPES = frozenset({bank_v1.SepaReturnV1.event_type})


async def _apply_return(u: CotisationsUnitOfWork, event: IncomingEvent, at: datetime) -> None:
    p = event.payload(bank_v1.SepaReturnV1)
    await apply_return(u, p.end_to_end_id, p.outcome, p.reason_code, p.returned_on, at)


async def on_sepa_return(event: IncomingEvent, uow: CotisationsUnitOfWork, at: datetime) -> None:
    """The bank's answer on one debit, applied once (the inbox; a debit already answered is
    left as it is, so a replayed feed changes no balance)."""
    event.payload(bank_v1.SepaReturnV1)  # a malformed one is a poison message

    async def effect(u: CotisationsUnitOfWork) -> None:
        await _apply_return(u, event, at)

    await consume_once(uow, CONSUMER, event, effect)


async def on_sepa_returns(
    events: Sequence[IncomingEvent], uow: CotisationsUnitOfWork, at: datetime
) -> None:
    """:func:`on_sepa_return` for the events of one fetch, in one transaction."""

    async def effect(u: CotisationsUnitOfWork, event: IncomingEvent) -> None:
        await _apply_return(u, event, at)

    await consume_batch(uow, CONSUMER, events, effect)
