"""identity's copy of the delegated-access read model, and reads done on behalf of a firm."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.auth import Principal
from servicekit.messaging import IncomingEvent
from servicekit.problems import NotFound
from servicekit.uow import consume_batch, consume_once

from identity.domain import errors
from identity.domain.teleservices import DONNEES, LABELS, opens
from identity.service_layer.personal import NotAnAssure, PersonalData
from identity.service_layer.ports import IdentityUnitOfWork

CONSUMER = "identity"


async def record_access_event(event: IncomingEvent, uow: IdentityUnitOfWork) -> None:
    async def effect(u: IdentityUnitOfWork) -> None:
        await u.access.apply(event)

    await consume_once(uow, CONSUMER, event, effect)


async def record_access_events(events: Sequence[IncomingEvent], uow: IdentityUnitOfWork) -> None:
    """:func:`record_access_event` for the events of one fetch, in one transaction."""

    async def effect(u: IdentityUnitOfWork, event: IncomingEvent) -> None:
        await u.access.apply(event)

    await consume_batch(uow, CONSUMER, events, effect)


async def read_for(
    principal: Principal, affiliate_id: str, uow: IdentityUnitOfWork
) -> PersonalData:
    """The données personnelles of an affilié, for whoever may read them (else 404/403).

    The téléservice matrix holds on this route too: the assuré reads them only if the category
    opens « Mes données personnelles », and a firm acting for the assuré sees no more. Agents
    (back office) are not bound by it."""
    async with uow:
        await uow.access.require(principal, affiliate_id, "read")
        if principal.actor == "cabinet_user":
            caller = await uow.accounts.get(principal.subject)
            if caller is None or caller.status != "active":
                raise NotFound("Aucun dossier accessible ne correspond.", kind="dossier-not-found")
        affiliate = await uow.affiliates.get(affiliate_id)
        if affiliate is None:
            raise NotAnAssure
        if principal.actor != "agent" and not opens(
            affiliate.category, DONNEES, delegated=principal.actor == "cabinet_user"
        ):
            raise errors.TeleserviceNotOpen(LABELS[DONNEES])
        account = await uow.accounts.by_affiliate(affiliate_id)
        return PersonalData(affiliate, account.email if account else affiliate.email)
