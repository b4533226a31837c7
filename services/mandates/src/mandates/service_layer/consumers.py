"""Consumers: the registry and the firms' read models, radiations, and the key letters'
status. Each runs once per event (inbox) in one transaction with what it publishes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from contracts.identity import v1 as identity_v1
from contracts.notifications import v1 as notifications_v1
from servicekit.messaging import IncomingEvent
from servicekit.uow import consume_batch, consume_once

from mandates.domain.directory import Affiliate
from mandates.domain.events import DomainEvent
from mandates.domain.model import Mandate
from mandates.domain.portfolios import Portfolio
from mandates.service_layer.handlers import Dependencies
from mandates.service_layer.integration import outgoing, publish
from mandates.service_layer.ports import MandatesUnitOfWork

CONSUMER = "mandates"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)
CABINET_TYPES = frozenset(
    {identity_v1.CabinetRegisteredV1.event_type, identity_v1.CabinetUserChangedV1.event_type}
)
ACCOUNT_TYPES = frozenset(
    {
        identity_v1.AccountRegisteredV1.event_type,
        identity_v1.AccountActivationRequestedV1.event_type,
        identity_v1.AccountEmailChangedV1.event_type,
    }
)
LETTER_TYPES = frozenset({notifications_v1.LetterStatusChangedV1.event_type})


def _display_name(p: identity_v1.AffiliateStateV1) -> str:
    return f"{p.first_names} {p.usage_name or p.birth_name}".strip()


async def _keep_affiliate(u: MandatesUnitOfWork, event: IncomingEvent, deps: Dependencies) -> None:
    p = event.payload(identity_v1.AffiliateStateV1)
    radiated = p.radiated_on is not None or event.envelope.type == (
        identity_v1.AffiliateRadiatedV1.event_type
    )
    await u.directory.put_affiliate(
        Affiliate(
            p.affiliate_id,
            p.siren,
            _display_name(p),
            radiated,
            p.third_party_registration_allowed,
        )
    )
    if radiated:
        await _close_for_radiation(u, deps, p.affiliate_id, deps.clock.now())


async def on_affiliate(event: IncomingEvent, uow: MandatesUnitOfWork, deps: Dependencies) -> None:
    event.payload(identity_v1.AffiliateStateV1)  # a malformed one is a poison message

    async def effect(u: MandatesUnitOfWork) -> None:
        await _keep_affiliate(u, event, deps)

    await consume_once(uow, CONSUMER, event, effect)


async def on_affiliates(
    events: Sequence[IncomingEvent], uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    """:func:`on_affiliate` for the events of one fetch, in one transaction."""

    async def effect(u: MandatesUnitOfWork, event: IncomingEvent) -> None:
        await _keep_affiliate(u, event, deps)

    await consume_batch(uow, CONSUMER, events, effect)


async def _close_for_radiation(
    uow: MandatesUnitOfWork, deps: Dependencies, affiliate_id: str, now: datetime
) -> None:
    """A radiation ends the active mandate (``registry``) and drops pending requests."""
    for mandate in await uow.mandates.open_for_affiliate(affiliate_id):
        mandate.close_for_radiation(now)
        await uow.mandates.save(mandate)
        await publish(uow, deps.sealer, mandate)


async def on_cabinet(event: IncomingEvent, uow: MandatesUnitOfWork, deps: Dependencies) -> None:
    async def effect(u: MandatesUnitOfWork) -> None:
        if event.envelope.type == identity_v1.CabinetRegisteredV1.event_type:
            await _cabinet_registered(u, event.payload(identity_v1.CabinetRegisteredV1), deps)
            return
        c = event.payload(identity_v1.CabinetUserChangedV1)
        await u.directory.put_cabinet(c.cabinet_id, c.cabinet_name)
        await u.directory.patch_user(
            c.account_id,
            cabinet_id=c.cabinet_id,
            name=c.user_name,
            is_admin="admin" in c.rights,
            active=c.change not in ("user_suspended", "user_removed"),
        )

    await consume_once(uow, CONSUMER, event, effect)


async def _cabinet_registered(
    uow: MandatesUnitOfWork, c: identity_v1.CabinetRegisteredV1, deps: Dependencies
) -> None:
    """A new firm gets its default portfolio, named after its raison sociale (seed 004)."""
    await uow.directory.patch_user(
        c.admin_account_id, cabinet_id=c.cabinet_id, is_admin=True, active=True
    )
    if not await uow.directory.put_cabinet(c.cabinet_id, c.raison_sociale):
        return
    portfolio = Portfolio.create(
        portfolio_id=str(uuid.uuid4()),
        cabinet_id=c.cabinet_id,
        name=c.raison_sociale,
        owner_account_id=c.admin_account_id,
        now=deps.clock.now(),
        actor=None,
        is_default=True,
    )
    await uow.portfolios.add(portfolio)
    await publish(uow, deps.sealer, portfolio)


async def on_account(event: IncomingEvent, uow: MandatesUnitOfWork) -> None:
    """Firm users' e-mail and name, to tell them about their clients (a confirmed change of
    address replaces the one given at the invitation)."""

    async def effect(u: MandatesUnitOfWork) -> None:
        if event.envelope.type == identity_v1.AccountRegisteredV1.event_type:
            r = event.payload(identity_v1.AccountRegisteredV1)
            if r.kind == "cabinet_user" and r.cabinet_id:
                await u.directory.patch_user(r.account_id, cabinet_id=r.cabinet_id)
            return
        if event.envelope.type == identity_v1.AccountEmailChangedV1.event_type:
            c = event.payload(identity_v1.AccountEmailChangedV1)
            if c.kind == "cabinet_user":
                await u.directory.patch_user(c.account_id, email=c.email, name=c.display_name)
            return
        a = event.payload(identity_v1.AccountActivationRequestedV1)
        if a.kind == "cabinet_user":
            await u.directory.patch_user(a.account_id, email=a.email, name=a.display_name)

    await consume_once(uow, CONSUMER, event, effect)


async def _follow_letter(u: MandatesUnitOfWork, event: IncomingEvent, deps: Dependencies) -> None:
    s = event.payload(notifications_v1.LetterStatusChangedV1)
    mandate = await u.mandates.by_key_event(s.source_event_id)
    if mandate is None:
        return  # a letter of another kind, or of a key re-issued since
    if mandate.letter_moved(s.status, deps.clock.now()):
        await u.mandates.save(mandate)
        await publish(u, deps.sealer, mandate)


async def on_letter_status(
    event: IncomingEvent, uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    """The key letter's status at the printer: the request shows it; the first one takes the
    mandate to ``letter_sent``."""
    event.payload(notifications_v1.LetterStatusChangedV1)  # a malformed one is a poison message

    async def effect(u: MandatesUnitOfWork) -> None:
        await _follow_letter(u, event, deps)

    await consume_once(uow, CONSUMER, event, effect)


async def on_letter_statuses(
    events: Sequence[IncomingEvent], uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    """:func:`on_letter_status` for the events of one fetch, in one transaction: the requests
    read at once, saved and announced together."""
    statuses = [e.payload(notifications_v1.LetterStatusChangedV1) for e in events]
    by_event = {e.envelope.id: s for e, s in zip(events, statuses, strict=True)}
    known: dict[str, Mandate] = {}
    loaded = False
    changed: dict[str, Mandate] = {}
    announced: list[DomainEvent] = []

    async def effect(u: MandatesUnitOfWork, event: IncomingEvent) -> None:
        nonlocal loaded
        if not loaded:
            known.update(await u.mandates.by_key_events({s.source_event_id for s in statuses}))
            loaded = True
        s = by_event[event.envelope.id]
        mandate = known.get(s.source_event_id)
        if mandate is None:
            return  # a letter of another kind, or of a key re-issued since
        if mandate.letter_moved(s.status, deps.clock.now()):
            changed[mandate.id] = mandate
            announced.extend(mandate.events)  # in the order of the fetch, across mandates
            mandate.events.clear()

    async def flush(u: MandatesUnitOfWork) -> None:
        await u.mandates.save_all(list(changed.values()))
        await u.outbox.add_many(await outgoing(u, deps.sealer, announced))

    await consume_batch(uow, CONSUMER, events, effect, flush)
