"""« Payer »: what an account can pay by telepayment today, and a telepayment once made
(docs/rules.md §9.1, §9.2).

The amounts shown are the current year's instalments, the debts (a regularisation's balance,
what remains of a plan that ended) not rescheduled into a plan, and the unpaid instalments of a
plan granted. An amount already covered by a telepayment is not offered again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from servicekit.french import euros

from cotisations.domain.payments.plans import PaymentPlan, PlanStatus
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid
from cotisations.domain.payments.split import (
    DebitPlan,
    Part,
    check_changeable,
    to_the_cent,
    validate,
)
from cotisations.domain.payments.telepayment import Offer, Payable, PayableKind, offer


def instalment_reference(due_date: date) -> str:
    return f"instalment:{due_date.isoformat()}"


def plan_reference(plan_id: str, number: int) -> str:
    return f"plan:{plan_id}:{number}"


@dataclass(frozen=True)
class Shown:
    payable: Payable
    offer: Offer


def payables(
    instalments: list[tuple[date, Decimal]],
    debts: list[Payable],
    plans: list[PaymentPlan],
    paid: set[str],
    today: date,
    *,
    debited: Callable[[date], bool],
    departement: str,
) -> list[Shown]:
    """Each amount of the account with whether « Payer » is offered and why not;
    ``debited``: whether a direct-debit mandate takes an instalment due that day."""
    rescheduled = {ref for p in plans if p.status in _HOLDING for ref in p.debt_references}
    listed = [Payable(instalment_reference(d), PayableKind.CURRENT, d, a) for d, a in instalments]
    listed += [d for d in debts if d.reference not in rescheduled]
    for plan in plans:
        if plan.status is PlanStatus.ENDED and plan.ended_on is not None:
            listed.append(
                Payable(
                    f"debt:plan-{plan.plan_id}", PayableKind.DEBT, plan.ended_on, plan.remaining
                )
            )
        if plan.status is PlanStatus.GRANTED:
            listed += [
                Payable(
                    plan_reference(plan.plan_id, i.number),
                    PayableKind.PLAN_INSTALMENT,
                    i.due_date,
                    i.amount,
                )
                for i in plan.instalments
                if i.number not in plan.paid
            ]
    return [
        Shown(
            p,
            offer(
                p.kind,
                p.due_date,
                today,
                on_direct_debit=p.kind is PayableKind.CURRENT and debited(p.due_date),
                departement=departement,
            ),
        )
        for p in listed
        if p.reference not in paid and p.amount > 0
    ]


_HOLDING = (PlanStatus.REQUESTED, PlanStatus.GRANTED, PlanStatus.COMPLETED, PlanStatus.ENDED)
"""A plan asked, running, paid or ended holds its debts: what remains of an ended one is its
own debt."""


def choose(shown: list[Shown], reference: str) -> Shown:
    found = next((s for s in shown if s.payable.reference == reference), None)
    if found is None:
        raise PaymentInputInvalid(
            "Ce montant n'est pas à régler sur ce compte (déjà réglé ou inconnu).",
            field="reference",
        )
    return found


@dataclass(frozen=True)
class Telepayment:
    payment_id: str
    affiliate_id: str
    reference: str
    kind: PayableKind
    due_date: date
    debit: DebitPlan
    made_at: datetime
    made_by: str
    status: str = "scheduled"
    """``scheduled`` until a debit day's file holds it, ``sent`` then, and once the bank has
    answered on every part ``settled`` (every part settled), ``rejected`` (every part
    rejected) or ``partly_rejected`` (some of each: what the rejected parts paid is owed
    again, as debts)."""

    def sent(self, on: date) -> Telepayment:
        """In the debit file of ``on``: each part is one debit of that file."""
        parts = tuple(replace(p, status="sent", sent_on=on) for p in self.debit.parts)
        return replace(self, status="sent", debit=replace(self.debit, parts=parts))

    def answered(self, number: int, outcome: str) -> Telepayment | None:
        """The bank's answer (``settled`` or ``rejected``) on part ``number`` (from 1); None
        when that part awaits no answer (a replayed return changes nothing)."""
        if outcome not in ANSWERS or not 1 <= number <= len(self.debit.parts):
            return None
        part = self.debit.parts[number - 1]
        if part.status != "sent":
            return None
        parts = list(self.debit.parts)
        parts[number - 1] = replace(part, status=outcome)
        status = self.status
        if all(p.status in ANSWERS for p in parts):
            outcomes = {p.status for p in parts}
            status = outcomes.pop() if len(outcomes) == 1 else "partly_rejected"
        return replace(self, status=status, debit=replace(self.debit, parts=tuple(parts)))


ANSWERS = ("settled", "rejected")
"""The bank's answers on a part."""
FINAL = ("settled", "rejected", "partly_rejected")
"""A telepayment every part of which the bank answered."""
LIVE = ("scheduled", "sent")
"""A telepayment still to be debited or awaiting the bank: the amount it pays is not offered
again (one live telepayment per amount: change it instead); once answered, what it left owed
is."""

END_TO_END_PREFIX = "TP"
"""A telepayment part's end-to-end id starts so (a direct debit's with ``CT``)."""


def part_end_to_end_id(payment_id: str, number: int) -> str:
    """The SEPA end-to-end id of part ``number`` (1 to 3) of a telepayment: ``TP``, the
    telepayment's id (32 hexadecimal characters) and the number: 35 characters, unique per
    part, and read back from the bank's return without a look-up."""
    return f"{END_TO_END_PREFIX}{payment_id}{number}"


def part_of(end_to_end_id: str) -> tuple[str, int] | None:
    """(telepayment id, part number) of a part's end-to-end id; None for another debit's."""
    if not end_to_end_id.startswith(END_TO_END_PREFIX) or len(end_to_end_id) < 4:
        return None
    number = end_to_end_id[-1]
    if not number.isdigit():
        return None
    return end_to_end_id[len(END_TO_END_PREFIX) : -1], int(number)


def amount_paid(
    kind: PayableKind, owed: Decimal, asked: Decimal | None, field: str = "amount"
) -> Decimal:
    """What a telepayment pays of an amount ``owed``: the whole of it when nothing is
    ``asked``, else what is asked, to the cent, positive and never more than is owed (the rest
    stays due); a plan instalment is paid whole."""
    if asked is None:
        return owed
    paid = to_the_cent(asked, field)
    if paid <= 0:
        raise PaymentInputInvalid("Le montant à payer doit être positif.", field=field)
    if kind is PayableKind.PLAN_INSTALMENT and paid != owed:
        raise PaymentInputInvalid(
            f"Une échéance de délai de paiement se règle en entier : {euros(owed)}.", field=field
        )
    if paid > owed:
        raise PaymentInputInvalid(
            f"Le montant payé ({euros(paid)}) ne peut dépasser le montant dû ({euros(owed)}).",
            field=field,
        )
    return paid


def pay(
    payment_id: str,
    affiliate_id: str,
    shown: Shown,
    parts: list[Part],
    now: datetime,
    made_by: str,
    departement: str,
    amount: Decimal | None = None,
) -> Telepayment:
    """A telepayment of one offered amount (or of less: ``amount``), split over up to three
    accounts."""
    shown.offer.require()
    p = shown.payable
    paid = amount_paid(p.kind, p.amount, amount)
    debit = validate(paid, parts, due_date=p.due_date, paid_on=now.date(), departement=departement)
    return Telepayment(
        payment_id, affiliate_id, p.reference, p.kind, p.due_date, debit, now, made_by
    )


def change(
    payment: Telepayment, parts: list[Part], now: datetime, departement: str, owed: Decimal
) -> Telepayment:
    """New parts, until noon the day before the debit; their sum is the new amount paid,
    never more than the ``owed`` amount it pays (what is owed without this telepayment)."""
    if payment.status != "scheduled":
        raise PaymentConflict(
            "Ce télépaiement n'est plus modifiable : il a été prélevé.", code="telepayment-locked"
        )
    check_changeable(payment.debit, now)
    asked = sum((to_the_cent(p.amount, "parts") for p in parts), Decimal("0.00"))
    paid = amount_paid(payment.kind, owed, asked, field="parts")
    debit = validate(
        paid,
        parts,
        due_date=payment.due_date,
        paid_on=payment.made_at.date(),
        departement=departement,
    )
    return replace(payment, debit=debit)
