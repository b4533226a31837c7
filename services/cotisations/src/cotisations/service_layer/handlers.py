"""Accounts follow the registry; access follows mandates; reads go through delegated access."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.identity import v1 as identity_v1
from servicekit.auth import Principal, Right
from servicekit.messaging import IncomingEvent
from servicekit.problems import Forbidden, NotFound
from servicekit.uow import consume_batch, consume_once

from cotisations.domain.account import CONTRIBUTING, ContributionAccount
from cotisations.domain.career import CareerYear
from cotisations.service_layer.ports import CotisationsUnitOfWork

CONSUMER = "cotisations"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


async def _follow_registry(u: CotisationsUnitOfWork, event: IncomingEvent) -> None:
    p = event.payload(identity_v1.AffiliateRegisteredV1)
    account = await u.accounts.get(p.affiliate_id)
    if account is None and p.category in CONTRIBUTING:
        account = ContributionAccount(
            affiliate_id=p.affiliate_id,
            category=p.category,
            departement=p.departement,
            opened_on=p.affiliated_on,
            closed_on=p.radiated_on,
            holder_name=p.display_name,
        )
        await u.accounts.add(account)
    elif account is not None:
        account.departement = p.departement
        account.holder_name = p.display_name
        if p.radiated_on is not None:
            account.close(p.radiated_on)
        await u.accounts.save(account)


async def on_affiliate(event: IncomingEvent, uow: CotisationsUnitOfWork) -> None:
    """Open an account for a contributing category; keep its département; close on radiation."""
    event.payload(identity_v1.AffiliateRegisteredV1)  # a malformed one is a poison message

    async def effect(u: CotisationsUnitOfWork) -> None:
        await _follow_registry(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_affiliates(events: Sequence[IncomingEvent], uow: CotisationsUnitOfWork) -> None:
    """:func:`on_affiliate` for the events of one fetch, in one transaction."""
    await consume_batch(uow, CONSUMER, events, _follow_registry)


async def on_access_event(event: IncomingEvent, uow: CotisationsUnitOfWork) -> None:
    async def effect(u: CotisationsUnitOfWork) -> None:
        await u.access.apply(event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_access_events(events: Sequence[IncomingEvent], uow: CotisationsUnitOfWork) -> None:
    """:func:`on_access_event` for the events of one fetch, in one transaction."""

    async def effect(u: CotisationsUnitOfWork, event: IncomingEvent) -> None:
        await u.access.apply(event)

    await consume_batch(uow, CONSUMER, events, effect)


async def account_for(
    principal: Principal, affiliate_id: str, uow: CotisationsUnitOfWork
) -> ContributionAccount:
    """The account, for the assuré, an agent, or a firm user with an active mandate and
    portfolio access (``read``); 404 otherwise."""
    async with uow:
        return await account_with(principal, affiliate_id, uow, "read")


async def account_with(
    principal: Principal, affiliate_id: str, uow: CotisationsUnitOfWork, right: Right
) -> ContributionAccount:
    """Inside an open unit of work: the account once ``principal`` may act with ``right``."""
    await uow.access.require(principal, affiliate_id, right)
    account = await uow.accounts.get(affiliate_id)
    if account is None:
        raise NotFound("Aucun compte cotisant ne correspond.", kind="account-not-found")
    return account


async def career_for(
    principal: Principal, affiliate_id: str, uow: CotisationsUnitOfWork
) -> list[CareerYear]:
    """The relevé de carrière, shown to the assuré only (SPEC.md 1.1): a firm user without
    access gets 404 as for any dossier, anyone else but the assuré 403."""
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "read")
    if principal.actor != "assure":
        raise Forbidden(
            "Le relevé de carrière n'est visible que de l'assuré lui-même.",
            kind="career-assure-only",
        )
    return account.career()
