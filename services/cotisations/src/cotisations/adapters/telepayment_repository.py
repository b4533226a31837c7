"""Telepayment mandates, telepayments and payment-delay plans: their rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import direct_debit_mandates
from cotisations.adapters.telepayment_tables import (
    payment_plans,
    telepayment_mandates,
    telepayments,
)
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan, PlanInstalment, PlanStatus
from cotisations.domain.payments.refusals import ConcurrentRequest
from cotisations.domain.payments.split import DebitPart, DebitPlan, changeable_until
from cotisations.domain.payments.telepayment import PayableKind


def _aware(at: datetime | None) -> datetime | None:
    """An instant as stored: SQLite gives it back without its zone (it was UTC)."""
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)


def _mandate(row: Any) -> TelepaymentMandate:
    return TelepaymentMandate(
        row.mandate_id,
        row.affiliate_id,
        row.holder_name,
        row.address,
        row.iban,
        row.bic,
        row.person,
        _aware(row.signed_at) or row.signed_at,
        _aware(row.revoked_at),
    )


def _payment(row: Any) -> Telepayment:
    parts = tuple(
        DebitPart(
            p["iban"],
            Decimal(p["amount"]),
            p.get("status", "scheduled"),
            date.fromisoformat(p["sent_on"]) if p.get("sent_on") else None,
        )
        for p in row.parts
    )
    debit = DebitPlan(
        Decimal(row.amount).quantize(Decimal("0.01")),
        parts,
        row.debit_on,
        changeable_until(row.debit_on),
    )
    return Telepayment(
        row.payment_id,
        row.affiliate_id,
        row.reference,
        PayableKind(row.kind),
        row.due_date,
        debit,
        _aware(row.made_at) or row.made_at,
        row.made_by,
        row.status,
    )


def _plan(row: Any) -> PaymentPlan:
    return PaymentPlan(
        plan_id=row.plan_id,
        affiliate_id=row.affiliate_id,
        requested_on=row.requested_on,
        total=Decimal(row.total).quantize(Decimal("0.01")),
        instalments=tuple(
            PlanInstalment(i["number"], date.fromisoformat(i["due_date"]), Decimal(i["amount"]))
            for i in row.instalments
        ),
        status=PlanStatus(row.status),
        decided_by=row.decided_by,
        decided_on=row.decided_on,
        reason=row.reason,
        ended_on=row.ended_on,
        paid=frozenset(row.paid),
        debt_references=tuple(row.debt_references),
    )


def _plan_values(plan: PaymentPlan) -> dict[str, Any]:
    return {
        "status": plan.status.value,
        "decided_by": plan.decided_by,
        "decided_on": plan.decided_on,
        "reason": plan.reason,
        "ended_on": plan.ended_on,
        "paid": sorted(plan.paid),
    }


class SqlAlchemyTelepaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def direct_debit_in_force(self, affiliate_id: str, on: date) -> bool:
        t = direct_debit_mandates
        row = (
            await self._session.execute(
                select(t.c.rum).where(
                    t.c.affiliate_id == affiliate_id, or_(t.c.ends_on.is_(None), t.c.ends_on > on)
                )
            )
        ).first()
        return row is not None

    # -- mandates
    async def active_mandate(self, affiliate_id: str) -> TelepaymentMandate | None:
        t = telepayment_mandates
        row = (
            await self._session.execute(
                select(t).where(t.c.affiliate_id == affiliate_id, t.c.revoked_at.is_(None))
            )
        ).first()
        return None if row is None else _mandate(row)

    async def active_mandates_on(self, iban: str) -> list[TelepaymentMandate]:
        t = telepayment_mandates
        rows = await self._session.execute(
            select(t).where(t.c.iban == iban, t.c.revoked_at.is_(None))
        )
        return [_mandate(r) for r in rows]

    async def add_mandate(self, m: TelepaymentMandate) -> None:
        await self._session.execute(
            insert(telepayment_mandates).values(
                mandate_id=m.mandate_id,
                affiliate_id=m.affiliate_id,
                holder_name=m.holder_name,
                address=m.address,
                iban=m.iban,
                bic=m.bic,
                person=m.person,
                signed_at=m.signed_at,
                revoked_at=m.revoked_at,
            )
        )

    async def save_mandate(self, m: TelepaymentMandate) -> None:
        t = telepayment_mandates
        await self._session.execute(
            update(t).where(t.c.mandate_id == m.mandate_id).values(revoked_at=m.revoked_at)
        )

    # -- telepayments
    async def payments(self, affiliate_id: str) -> list[Telepayment]:
        t = telepayments
        rows = await self._session.execute(
            select(t).where(t.c.affiliate_id == affiliate_id).order_by(t.c.made_at)
        )
        return [_payment(r) for r in rows]

    async def payment(self, payment_id: str) -> Telepayment | None:
        t = telepayments
        row = (await self._session.execute(select(t).where(t.c.payment_id == payment_id))).first()
        return None if row is None else _payment(row)

    async def to_debit(self, on: date) -> list[Telepayment]:
        """The telepayments no debit file holds yet whose debit date is ``on`` or before."""
        t = telepayments
        rows = await self._session.execute(
            select(t)
            .where(t.c.status == "scheduled", t.c.debit_on <= on)
            .order_by(t.c.affiliate_id, t.c.made_at)
        )
        return [_payment(r) for r in rows]

    async def sent_on(self, day: date) -> list[Telepayment]:
        t = telepayments
        rows = await self._session.execute(
            select(t)
            .where(t.c.status != "scheduled", t.c.debit_on <= day)
            .order_by(t.c.affiliate_id, t.c.made_at)
        )
        found = [_payment(r) for r in rows]
        return [p for p in found if any(part.sent_on == day for part in p.debit.parts)]

    async def mandates(self, affiliate_id: str) -> list[TelepaymentMandate]:
        t = telepayment_mandates
        rows = await self._session.execute(
            select(t).where(t.c.affiliate_id == affiliate_id).order_by(t.c.signed_at)
        )
        return [_mandate(r) for r in rows]

    async def add_payment(self, p: Telepayment) -> None:
        await self._insert(
            insert(telepayments).values(
                payment_id=p.payment_id,
                affiliate_id=p.affiliate_id,
                reference=p.reference,
                kind=p.kind.value,
                due_date=p.due_date,
                amount=p.debit.amount,
                parts=_parts(p.debit),
                debit_on=p.debit.debit_on,
                changeable_until=p.debit.changeable_until,
                made_at=p.made_at,
                made_by=p.made_by,
                status=p.status,
            )
        )

    async def save_payment(self, p: Telepayment) -> None:
        t = telepayments
        await self._session.execute(
            update(t)
            .where(t.c.payment_id == p.payment_id)
            .values(amount=p.debit.amount, parts=_parts(p.debit), status=p.status)
        )

    async def _insert(self, statement: Any) -> None:
        """A write; a uniqueness rule broken by a concurrent request (one telepayment per
        amount of the account) is a :class:`ConcurrentRequest`, the use case's 409."""
        try:
            await self._session.execute(statement)
        except IntegrityError as exc:
            raise ConcurrentRequest from exc

    # -- plans
    async def plans(self, affiliate_id: str) -> list[PaymentPlan]:
        t = payment_plans
        rows = await self._session.execute(
            select(t)
            .where(t.c.affiliate_id == affiliate_id)
            .order_by(t.c.requested_on, t.c.plan_id)
        )
        return [_plan(r) for r in rows]

    async def running_plans(self) -> list[PaymentPlan]:
        t = payment_plans
        rows = await self._session.execute(
            select(t)
            .where(t.c.status == PlanStatus.GRANTED.value)
            .order_by(t.c.affiliate_id, t.c.plan_id)
        )
        return [_plan(r) for r in rows]

    async def add_plan(self, plan: PaymentPlan) -> None:
        await self._insert(
            insert(payment_plans).values(
                plan_id=plan.plan_id,
                affiliate_id=plan.affiliate_id,
                requested_on=plan.requested_on,
                total=plan.total,
                instalments=[
                    {
                        "number": i.number,
                        "due_date": i.due_date.isoformat(),
                        "amount": f"{i.amount:.2f}",
                    }
                    for i in plan.instalments
                ],
                debt_references=list(plan.debt_references),
                **_plan_values(plan),
            )
        )

    async def save_plan(self, plan: PaymentPlan) -> None:
        t = payment_plans
        await self._session.execute(
            update(t).where(t.c.plan_id == plan.plan_id).values(**_plan_values(plan))
        )


def _parts(debit: DebitPlan) -> list[dict[str, str]]:
    return [
        {"iban": p.iban, "amount": f"{p.amount:.2f}", "status": p.status}
        | ({"sent_on": p.sent_on.isoformat()} if p.sent_on else {})
        for p in debit.parts
    ]
