"""Telepayment mandates, telepayments and payment-delay plans → the ``cotisations.payment``
contracts. IBANs leave masked; amounts as decimal strings to the cent."""

from __future__ import annotations

from datetime import datetime

from contracts.common import Recipient
from contracts.cotisations import v1

from cotisations.domain.events import Requester
from cotisations.domain.payments.ledger import Standing
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan, PlanInstalment, PlanPreview
from cotisations.domain.payments.telepayment import PayableKind


def masked(iban: str) -> str:
    """``FR76 **** **** **** **** ***0 189``: country, check digits and last four."""
    hidden = iban[:4] + "*" * (len(iban) - 8) + iban[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


def money(amount: object) -> str:
    return f"{amount:.2f}"


def mandate_signed(m: TelepaymentMandate) -> v1.TelepaymentMandateSignedV1:
    return v1.TelepaymentMandateSignedV1(
        affiliate_id=m.affiliate_id,
        mandate_id=m.mandate_id,
        holder=m.holder_name,
        iban=masked(m.iban),
        bic=m.bic,
        signed_at=m.signed_at,
    )


def mandate_revoked(m: TelepaymentMandate) -> v1.TelepaymentMandateRevokedV1:
    assert m.revoked_at is not None
    return v1.TelepaymentMandateRevokedV1(
        affiliate_id=m.affiliate_id, mandate_id=m.mandate_id, revoked_at=m.revoked_at
    )


def standing(s: Standing) -> v1.AccountStanding:
    pending = sum((o.pending for o in s.obligations), start=s.balance * 0)
    return v1.AccountStanding(
        as_of=s.on,
        balance_due=money(s.balance),
        overdue=money(s.overdue),
        oldest_overdue_due_date=s.oldest_overdue,
        pending=money(pending),
        up_to_date=s.up_to_date,
    )


_KINDS: dict[PayableKind, v1.ObligationKind] = {
    PayableKind.CURRENT: "call",
    PayableKind.DEBT: "call",
    PayableKind.PLAN_INSTALMENT: "plan_instalment",
}


def payment_recorded(
    p: Telepayment, entry_key: str, s: Standing, by: Requester | None = None
) -> v1.PaymentRecordedV1:
    """``by``: the firm's user who made it, told it is recorded (the client is, always)."""
    return v1.PaymentRecordedV1(
        affiliate_id=p.affiliate_id,
        payment_id=entry_key,
        mode="telepaiement",
        amount=money(p.debit.amount),
        value_date=p.debit.debit_on,
        status="pending",
        paid=[
            v1.PaidItem(
                reference=p.reference,
                kind=_KINDS[p.kind],
                due_date=p.due_date,
                amount=money(p.debit.amount),
            )
        ],
        external_reference=p.payment_id,
        standing=standing(s),
        requested_by=(
            Recipient(email=by.email, display_name=by.display_name) if by and by.email else None
        ),
        changeable_until=p.debit.changeable_until,
        recorded_at=p.made_at,
    )


def telepayment_changed(
    before: Telepayment,
    after: Telepayment,
    entry_key: str,
    s: Standing,
    by: Requester | None,
    at: datetime,
) -> v1.TelepaymentChangedV1:
    """``by``: the firm's user who changed it, told so (the client is, always)."""
    return v1.TelepaymentChangedV1(
        affiliate_id=after.affiliate_id,
        payment_id=entry_key,
        external_reference=after.payment_id,
        amount=money(after.debit.amount),
        previous_amount=money(before.debit.amount),
        parts=[
            v1.TelepaymentPart(iban=masked(p.iban), amount=money(p.amount))
            for p in after.debit.parts
        ],
        value_date=after.debit.debit_on,
        paid=[
            v1.PaidItem(
                reference=after.reference,
                kind=_KINDS[after.kind],
                due_date=after.due_date,
                amount=money(after.debit.amount),
            )
        ],
        standing=standing(s),
        requested_by=(
            Recipient(email=by.email, display_name=by.display_name) if by and by.email else None
        ),
        changed_at=at,
    )


def _instalments(instalments: tuple[PlanInstalment, ...]) -> list[v1.PlanInstalment]:
    return [
        v1.PlanInstalment(number=i.number, due_date=i.due_date, amount=money(i.amount))
        for i in instalments
    ]


def plan_requested(
    plan: PaymentPlan, p: PlanPreview, by: Requester, at: datetime
) -> v1.PaymentPlanRequestedV1:
    return v1.PaymentPlanRequestedV1(
        affiliate_id=plan.affiliate_id,
        plan_id=plan.plan_id,
        debts=[
            v1.Debt(reference=d.reference, amount=money(d.amount), due_date=d.due_date)
            for d in p.debts
        ],
        principal=money(p.principal),
        surcharges=money(p.surcharge_total),
        total=money(p.total),
        instalments=_instalments(p.instalments),
        decision="rule" if p.granted_at_once else "agent",
        requested_by=Recipient(email=by.email, display_name=by.display_name),
        requested_at=at,
    )


def plan_decided(
    plan: PaymentPlan, at: datetime, s: Standing | None = None
) -> v1.PaymentPlanGrantedV1 | v1.PaymentPlanRefusedV1:
    if plan.reason is not None and plan.decided_by is not None and plan.status == "refused":
        return v1.PaymentPlanRefusedV1(
            affiliate_id=plan.affiliate_id,
            plan_id=plan.plan_id,
            decided_by=plan.decided_by,
            reason=plan.reason,
            refused_at=at,
        )
    return v1.PaymentPlanGrantedV1(
        affiliate_id=plan.affiliate_id,
        plan_id=plan.plan_id,
        decided_by=plan.decided_by or "rule",
        reason=plan.reason,
        total=money(plan.total),
        instalments=_instalments(plan.instalments),
        granted_at=at,
        standing=None if s is None else standing(s),
    )


def plan_ended(
    plan: PaymentPlan, missed: PlanInstalment, at: datetime, s: Standing | None = None
) -> v1.PaymentPlanEndedV1:
    assert plan.ended_on is not None
    return v1.PaymentPlanEndedV1(
        affiliate_id=plan.affiliate_id,
        plan_id=plan.plan_id,
        missed_instalment=_instalments((missed,))[0],
        remaining=money(plan.remaining),
        due_date=plan.ended_on,
        ended_at=at,
        standing=None if s is None else standing(s),
    )
