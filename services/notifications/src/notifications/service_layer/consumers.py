"""What notifications' worker does with the events it consumes: the trigger events plan
deliveries (``planning.py`` says which), the registry's events keep the affiliates directory.
Each event is applied once (the inbox), in the same transaction as its effect; the events of
one fetch together, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from servicekit.messaging import IncomingEvent
from servicekit.metrics import CONSUMER_HANDLED
from servicekit.uow import consume_batch, consume_once

from notifications.domain.directory import ADMIN_RIGHT, AffiliateContact, CabinetUser
from notifications.domain.model import AFFILIATE_PREFIX, Delivery
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.planning import (
    PAYMENTS_TO_RESOLVE,
    PLANNERS,
    SUBSCRIBER_TYPES,
    PlannedDelivery,
    collaborator_joined,
    role,
    subscriber_changed,
)
from notifications.service_layer.ports import NotificationsUnitOfWork

CONSUMER = "notifications"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


CABINET_USER_TYPES = frozenset(
    {
        identity_v1.CabinetRegisteredV1.event_type,
        identity_v1.AccountActivationRequestedV1.event_type,
        identity_v1.AccountEmailChangedV1.event_type,
        identity_v1.CabinetUserChangedV1.event_type,
    }
)
"""The events that keep the directory of firms' users."""
CONSUMED_TYPES = frozenset(PLANNERS) | CABINET_USER_TYPES
"""Every type the deliveries consumer takes: the planned ones and the directory's."""


async def _planned(event: IncomingEvent, u: NotificationsUnitOfWork) -> list[PlannedDelivery]:
    """What the event's planner lists, and, for a collaborator who accepted an invitation, a
    mail to each administrator of the firm (from the directory, as it was before this event):
    they are told by that mail rather than by the generic one."""
    if event.envelope.type in SUBSCRIBER_TYPES:
        subscriber = await u.cabinet_users.get(str(event.data.get("subscriber_account_id")))
        return subscriber_changed(event, subscriber.email if subscriber else None)
    planner = PLANNERS.get(event.envelope.type)
    planned = planner(event) if planner is not None else []
    if event.envelope.type in PAYMENTS_TO_RESOLVE:
        return await _payment_mails(planned, event, u)
    if event.envelope.type == identity_v1.AccountActivationRequestedV1.event_type:
        return await _invited_as(planned, event, u)
    if event.envelope.type != identity_v1.CabinetUserChangedV1.event_type:
        return planned
    p = event.payload(identity_v1.CabinetUserChangedV1)
    if not (p.change == "user_activated" and p.invitation_accepted):
        return planned
    admins = [
        user
        for user in await u.cabinet_users.of_cabinet(p.cabinet_id)
        if user.is_administrator and user.account_id != p.account_id
    ]
    told = {str(a.email).strip().lower() for a in admins}
    kept = [d for d in planned if d.recipient.strip().lower() not in told]
    return kept + collaborator_joined(p, admins)


async def _payment_mails(
    planned: list[PlannedDelivery], event: IncomingEvent, u: NotificationsUnitOfWork
) -> list[PlannedDelivery]:
    """Name the client (the registry's copy) in a payment's mails; a firm's user reads that it
    acts for it. A rejection also goes to each firm's user reaching the account (listed by
    cotisations) who holds the ``pay`` right today, per the directory of firms' users."""
    affiliate_id = str(event.data.get("affiliate_id"))
    contact = await u.affiliates.get(affiliate_id)
    client_name = contact.display_name if contact else "le cotisant"
    named = [
        replace(
            d,
            context={
                **d.context,
                "client_name": client_name,
                "for_firm": not d.recipient.startswith(AFFILIATE_PREFIX),
            },
        )
        for d in planned
    ]
    if event.envelope.type != cotisations_v1.PaymentRejectedV1.event_type or not named:
        return named
    rejected = event.payload(cotisations_v1.PaymentRejectedV1)
    told = {d.recipient.strip().lower() for d in named}
    for account_id in dict.fromkeys(rejected.firm_users):
        user = await u.cabinet_users.get(account_id)
        if user is None or not user.may_pay or str(user.email).strip().lower() in told:
            continue
        told.add(str(user.email).strip().lower())
        context = {**named[0].context, "display_name": user.display_name, "for_firm": True}
        named.append(PlannedDelivery("payment_rejected", "email", str(user.email), context))
    return named


async def _invited_as(
    planned: list[PlannedDelivery], event: IncomingEvent, u: NotificationsUnitOfWork
) -> list[PlannedDelivery]:
    """An invitation names the role it gives: an administrator invited (the rights of its
    ``user_invited``, kept in the directory) is not called a collaborator."""
    invited = await u.cabinet_users.get(str(event.data.get("account_id")))
    if invited is None:
        return planned
    return [
        replace(d, context={**d.context, "role": role(invited.rights)})
        if "role" in d.context
        else d
        for d in planned
    ]


async def _keep_cabinet_user(event: IncomingEvent, u: NotificationsUnitOfWork) -> None:
    """Keep what the directory of firms' users learns from the event."""
    kind = event.envelope.type
    if kind == identity_v1.CabinetRegisteredV1.event_type:
        registered = event.payload(identity_v1.CabinetRegisteredV1)
        user = await u.cabinet_users.get(registered.admin_account_id)
        user = user or CabinetUser(registered.admin_account_id, rights=(ADMIN_RIGHT,))
        if user.cabinet_id is None:  # a later user_changed knows better
            await u.cabinet_users.put(replace(user, cabinet_id=registered.cabinet_id))
    elif kind in (
        identity_v1.AccountActivationRequestedV1.event_type,
        identity_v1.AccountEmailChangedV1.event_type,
    ):
        contact: identity_v1.AccountActivationRequestedV1 | identity_v1.AccountEmailChangedV1 = (
            event.payload(identity_v1.AccountActivationRequestedV1)
            if kind == identity_v1.AccountActivationRequestedV1.event_type
            else event.payload(identity_v1.AccountEmailChangedV1)
        )
        if contact.kind != "cabinet_user":
            return
        user = await u.cabinet_users.get(contact.account_id) or CabinetUser(contact.account_id)
        await u.cabinet_users.put(user.with_contact(contact.email, contact.display_name))
    elif kind == identity_v1.CabinetUserChangedV1.event_type:
        p = event.payload(identity_v1.CabinetUserChangedV1)
        user = await u.cabinet_users.get(p.account_id) or CabinetUser(p.account_id)
        changed = user.with_change(
            cabinet_id=p.cabinet_id,
            display_name=p.user_name,
            change=p.change,
            rights=tuple(p.rights),
            version=p.version,
        )
        await u.cabinet_users.put(changed)


async def _deliveries(
    event: IncomingEvent, u: NotificationsUnitOfWork, deps: Dependencies
) -> list[Delivery]:
    """The deliveries an event causes (none for a type nobody is told of); the directory of
    firms' users is then kept."""
    planned = await _planned(event, u)
    await _keep_cabinet_user(event, u)
    now = deps.clock.now()
    return [
        Delivery.plan(
            delivery_id=str(uuid.uuid4()),
            source_event_id=event.envelope.id,
            event_time=event.envelope.time,
            kind=item.kind,
            channel=item.channel,
            recipient=item.recipient,
            context=item.context,
            sealed=item.sealed,
            optional=item.optional,
            now=now,
        )
        for item in planned
    ]


async def plan_deliveries(
    event: IncomingEvent, uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """Record the deliveries an event causes, once: inbox and deliveries in one transaction."""
    if event.envelope.type not in CONSUMED_TYPES:
        return 0

    async def effect(u: NotificationsUnitOfWork) -> int:
        return await u.deliveries.add_all_if_absent(await _deliveries(event, u, deps))

    added = await consume_once(uow, CONSUMER, event, effect)
    if added is None:
        CONSUMER_HANDLED.labels("notifications", CONSUMER, event.topic, "duplicate").inc()
        return 0
    return added


async def plan_deliveries_batch(
    events: Sequence[IncomingEvent], uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """:func:`plan_deliveries` for the events of one fetch, in one transaction: the deliveries
    of every new event are written by one statement. Returns how many were planned."""
    planned = [e for e in events if e.envelope.type in CONSUMED_TYPES]
    staged: list[Delivery] = []

    async def effect(u: NotificationsUnitOfWork, event: IncomingEvent) -> None:
        staged.extend(await _deliveries(event, u, deps))

    async def flush(u: NotificationsUnitOfWork) -> None:
        await u.deliveries.add_all_if_absent(staged)

    if planned:
        await consume_batch(uow, CONSUMER, planned, effect, flush)
    return len(staged)


def _contact(p: identity_v1.AffiliateStateV1, event: IncomingEvent) -> AffiliateContact:
    address = p.address
    return AffiliateContact(
        affiliate_id=p.affiliate_id,
        display_name=p.display_name,
        address_lines=(*address.lines, f"{address.postal_code} {address.city}"),
        email=p.email,
        radiated=event.envelope.type == identity_v1.AffiliateRadiatedV1.event_type,
        updated_at=event.envelope.time,
        siren=p.siren,
    )


async def _keep_contact(u: NotificationsUnitOfWork, event: IncomingEvent) -> None:
    p = event.payload(identity_v1.AffiliateRegisteredV1)
    await u.affiliates.put_unless_newer(_contact(p, event))


async def record_affiliate(event: IncomingEvent, uow: NotificationsUnitOfWork) -> None:
    """Keep the registry's name, address and e-mail of an affilié (the only source of them)."""
    if event.envelope.type not in AFFILIATE_TYPES:
        return
    event.payload(identity_v1.AffiliateRegisteredV1)  # a malformed one is a poison message

    async def effect(u: NotificationsUnitOfWork) -> None:
        await _keep_contact(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def record_affiliates(events: Sequence[IncomingEvent], uow: NotificationsUnitOfWork) -> None:
    """:func:`record_affiliate` for the events of one fetch, in one transaction."""
    kept = [e for e in events if e.envelope.type in AFFILIATE_TYPES]
    if kept:
        await consume_batch(uow, CONSUMER, kept, _keep_contact)
