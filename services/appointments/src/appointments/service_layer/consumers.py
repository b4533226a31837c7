"""What appointments' worker does with the events it consumes, each once (the inbox), in the
transaction of its effect: the registry's affiliés (``identity.affiliate``) become the people
whose booking form is pre-filled (names, postal address, e-mail, mobile; the latest state by
the event's time wins, so a replay or a late older event changes nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.identity import v1 as identity_v1
from servicekit.messaging import IncomingEvent
from servicekit.uow import consume_batch, consume_once

from appointments.service_layer.ports import UnitOfWork

CONSUMER = "appointments"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)


async def _follow(u: UnitOfWork, event: IncomingEvent) -> None:
    state = event.payload(identity_v1.AffiliateRegisteredV1)
    a = state.address
    address = ", ".join([*a.lines, f"{a.postal_code} {a.city}"])
    await u.people.put(
        state.affiliate_id,
        {
            "first_names": state.first_names,
            "last_name": state.usage_name or state.birth_name,
            "address": address,
            "email": state.email,
            "mobile": state.mobile,
        },
        event.envelope.time,
    )


async def on_affiliate(event: IncomingEvent, uow: UnitOfWork) -> None:
    await consume_once(uow, CONSUMER, event, lambda u: _follow(u, event))


async def on_affiliates(events: Sequence[IncomingEvent], uow: UnitOfWork) -> None:
    await consume_batch(uow, CONSUMER, events, _follow)
