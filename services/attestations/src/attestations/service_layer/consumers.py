"""What attestations' worker does with the events it consumes, each once (the inbox), in the
transaction of its effect:

- the registry (``identity.affiliate``): the affilié's category, names, SIREN, dates; the
  latest state wins (by the event's time), so a replay or a late older event changes nothing;
- cotisations' payments (``cotisations.payment``): the account's ``standing`` (latest
  ``as_of`` then event time wins), the payments (for the attestation de paiement) and the
  payment plans' state;
- delegated access (mandates, portfolios, firms' users) through the delegation package.

An event about an affilié not yet seen in the registry is kept all the same (each read model
is keyed by affiliate id and stands on its own): nothing waits for the registry, nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from attestations.domain.model import PensionOutcome, PensionPayment
from attestations.domain.vigilance import PlanState, Standing
from attestations.service_layer.ports import Access
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.partners import v1 as partners_v1
from servicekit.messaging import IncomingEvent
from servicekit.uow import AbstractUnitOfWork, consume_batch, consume_once

CONSUMER = "attestations"
AFFILIATE_TYPES = frozenset(
    {
        identity_v1.AffiliateRegisteredV1.event_type,
        identity_v1.AffiliateUpdatedV1.event_type,
        identity_v1.AffiliateRadiatedV1.event_type,
    }
)
PAYMENT_TYPES = frozenset(
    {
        cotisations_v1.PaymentRecordedV1.event_type,
        cotisations_v1.PaymentSettledV1.event_type,
        cotisations_v1.TelepaymentChangedV1.event_type,
        cotisations_v1.PaymentRejectedV1.event_type,
        cotisations_v1.PaymentPlanRequestedV1.event_type,
        cotisations_v1.PaymentPlanGrantedV1.event_type,
        cotisations_v1.PaymentPlanRefusedV1.event_type,
        cotisations_v1.PaymentPlanEndedV1.event_type,
        cotisations_v1.StandingChangedV1.event_type,
    }
)


class ReadModels(Protocol):
    """The writes of the read models (``adapters.facts``)."""

    async def put_affiliate(self, state: identity_v1.AffiliateStateV1, at: datetime) -> None: ...
    async def put_standing(self, affiliate_id: str, standing: Standing, at: datetime) -> None: ...
    async def put_payment(
        self,
        affiliate_id: str,
        payment_id: str,
        *,
        status: str,
        at: datetime,
        amount: Decimal | None = None,
        mode: str | None = None,
        value_date: object = None,
    ) -> None: ...
    async def put_missing_declarations(
        self, affiliate_id: str, periods: Sequence[str], at: datetime
    ) -> None: ...
    async def put_plan(
        self, affiliate_id: str, plan_id: str, state: PlanState, at: datetime
    ) -> None: ...

    async def put_pension_payment(
        self, pensioner_id: str, payment: PensionPayment, at: datetime
    ) -> PensionOutcome: ...


class ConsumerUnitOfWork(AbstractUnitOfWork, Protocol):
    @property
    def read_models(self) -> ReadModels: ...
    @property
    def access(self) -> Access: ...


def _standing(s: cotisations_v1.AccountStanding) -> Standing:
    return Standing(
        as_of=s.as_of,
        balance_due=Decimal(s.balance_due),
        overdue=Decimal(s.overdue),
        oldest_overdue_due_date=s.oldest_overdue_due_date,
        up_to_date=s.up_to_date,
    )


async def _follow_registry(u: ConsumerUnitOfWork, event: IncomingEvent) -> None:
    state = event.payload(identity_v1.AffiliateRegisteredV1)
    await u.read_models.put_affiliate(state, event.envelope.time)


async def _follow_payments(u: ConsumerUnitOfWork, event: IncomingEvent) -> None:
    kind, at, rm = event.envelope.type, event.envelope.time, u.read_models
    c = cotisations_v1
    if kind == c.PaymentRecordedV1.event_type:
        r = event.payload(c.PaymentRecordedV1)
        await rm.put_payment(
            r.affiliate_id,
            r.payment_id,
            status=r.status,
            at=at,
            amount=Decimal(r.amount),
            mode=r.mode,
            value_date=r.value_date,
        )
        await rm.put_standing(r.affiliate_id, _standing(r.standing), at)
    elif kind == c.TelepaymentChangedV1.event_type:
        t = event.payload(c.TelepaymentChangedV1)
        await rm.put_payment(
            t.affiliate_id,
            t.payment_id,
            status="pending",
            at=at,
            amount=Decimal(t.amount),
            mode="telepaiement",
            value_date=t.value_date,
        )
        await rm.put_standing(t.affiliate_id, _standing(t.standing), at)
    elif kind == c.PaymentSettledV1.event_type:
        s = event.payload(c.PaymentSettledV1)
        await rm.put_payment(
            s.affiliate_id,
            s.payment_id,
            status="settled",
            at=at,
            amount=Decimal(s.amount),
            value_date=s.settled_on,
        )
        await rm.put_standing(s.affiliate_id, _standing(s.standing), at)
    elif kind == c.PaymentRejectedV1.event_type:
        j = event.payload(c.PaymentRejectedV1)
        await rm.put_payment(
            j.affiliate_id,
            j.payment_id,
            status="rejected",
            at=at,
            amount=Decimal(j.amount),
            mode=j.mode,
        )
        await rm.put_standing(j.affiliate_id, _standing(j.standing), at)
    elif kind == c.PaymentPlanRequestedV1.event_type:
        q = event.payload(c.PaymentPlanRequestedV1)
        await rm.put_plan(q.affiliate_id, q.plan_id, "requested", at)
    elif kind == c.PaymentPlanGrantedV1.event_type:
        g = event.payload(c.PaymentPlanGrantedV1)
        await rm.put_plan(g.affiliate_id, g.plan_id, "running", at)
        if g.standing is not None:
            await rm.put_standing(g.affiliate_id, _standing(g.standing), at)
    elif kind == c.PaymentPlanRefusedV1.event_type:
        f = event.payload(c.PaymentPlanRefusedV1)
        await rm.put_plan(f.affiliate_id, f.plan_id, "refused", at)
    elif kind == c.PaymentPlanEndedV1.event_type:
        e = event.payload(c.PaymentPlanEndedV1)
        await rm.put_plan(e.affiliate_id, e.plan_id, "broken", at)
        if e.standing is not None:
            await rm.put_standing(e.affiliate_id, _standing(e.standing), at)
    elif kind == c.StandingChangedV1.event_type:  # the calendar moved it: called, overdue
        m = event.payload(c.StandingChangedV1)
        await rm.put_standing(m.affiliate_id, _standing(m.standing), at)
        await rm.put_missing_declarations(m.affiliate_id, m.missing_declarations, at)


async def on_affiliate(event: IncomingEvent, uow: ConsumerUnitOfWork) -> None:
    event.payload(identity_v1.AffiliateRegisteredV1)  # a malformed one is a poison message

    async def effect(u: ConsumerUnitOfWork) -> None:
        await _follow_registry(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_affiliates(events: Sequence[IncomingEvent], uow: ConsumerUnitOfWork) -> None:
    await consume_batch(uow, CONSUMER, events, _follow_registry)


async def on_payment(event: IncomingEvent, uow: ConsumerUnitOfWork) -> None:
    async def effect(u: ConsumerUnitOfWork) -> None:
        await _follow_payments(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_payments(events: Sequence[IncomingEvent], uow: ConsumerUnitOfWork) -> None:
    await consume_batch(uow, CONSUMER, events, _follow_payments)


async def on_access_event(event: IncomingEvent, uow: ConsumerUnitOfWork) -> None:
    async def effect(u: ConsumerUnitOfWork) -> None:
        await u.access.apply(event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_access_events(events: Sequence[IncomingEvent], uow: ConsumerUnitOfWork) -> None:
    async def effect(u: ConsumerUnitOfWork, event: IncomingEvent) -> None:
        await u.access.apply(event)

    await consume_batch(uow, CONSUMER, events, effect)


PENSION_TYPES = frozenset({partners_v1.PensionPaymentV1.event_type})


async def _follow_pensions(u: ConsumerUnitOfWork, event: IncomingEvent) -> None:
    p = event.payload(partners_v1.PensionPaymentV1)
    payment = PensionPayment(
        p.payment_id, p.period, p.paid_on, Decimal(p.gross), Decimal(p.net), Decimal(p.taxable)
    )
    await u.read_models.put_pension_payment(p.pensioner_id, payment, event.envelope.time)


async def on_pension(event: IncomingEvent, uow: ConsumerUnitOfWork) -> None:
    """A pension payment of the fund's feed, kept once (whether or not the registry knows the
    pensioner yet); the fund's correction of it (same reference, other amounts, a newer event)
    replaces it."""
    event.payload(partners_v1.PensionPaymentV1)  # a malformed one is a poison message

    async def effect(u: ConsumerUnitOfWork) -> None:
        await _follow_pensions(u, event)

    await consume_once(uow, CONSUMER, event, effect)


async def on_pensions(events: Sequence[IncomingEvent], uow: ConsumerUnitOfWork) -> None:
    await consume_batch(uow, CONSUMER, events, _follow_pensions)
