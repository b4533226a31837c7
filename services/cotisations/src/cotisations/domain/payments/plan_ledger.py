"""A payment-delay plan in the account's ledger (ADR 0012, docs/rules.md §9.4).

On grant: one ``surcharge`` entry per late debt (counted on the day of the request), then a
negative ``debt_rescheduled`` entry for each debt and each surcharge the plan takes over, then
one ``plan_instalment`` entry per instalment (obligation ``plan:<id>:<n>``, the reference
« Payer » and the telepayments name). The balance moves by the surcharges only; what is due,
when, then shows the plan's instalments, not the debts, so a debt rescheduled into a plan
whose instalments are paid on time is never overdue.

On a missed instalment the plan ends: each unpaid instalment is rescheduled out (a negative
``debt_rescheduled`` entry) into one debt, ``debt:plan-<id>``, due the day the plan ended.

Every entry has a natural key (the plan's id, or the obligation rescheduled: one obligation is
rescheduled once), so granting or ending twice posts nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from cotisations.domain.payments.ledger import ZERO, Entry, Ledger, standing
from cotisations.domain.payments.plans import Debt, PaymentPlan
from cotisations.domain.payments.surcharge import surcharge


def instalment_reference(plan_id: str, number: int) -> str:
    return f"plan:{plan_id}:{number}"


def ended_debt_reference(plan_id: str) -> str:
    return f"debt:plan-{plan_id}"


def surcharge_reference(plan_id: str, debt_reference: str) -> str:
    return f"surcharge:plan-{plan_id}:{debt_reference}"


def rescheduled_key(obligation: str) -> str:
    """An obligation is rescheduled once, whatever the plan: two plans granted at the same
    instant over one debt break this key's uniqueness, and the second is refused."""
    return f"rescheduled:{obligation}"


def grant_entries(plan: PaymentPlan, debts: Sequence[Debt], booked_on: date) -> list[Entry]:
    """The entries a plan granted posts: surcharges, debts rescheduled, instalments."""
    entries: list[Entry] = []
    for debt in debts:
        s = surcharge(debt.amount, debt.due_date, plan.requested_on)
        if s.amount > 0:
            ref = surcharge_reference(plan.plan_id, debt.reference)
            entries.append(
                Entry(
                    key=ref,
                    kind="surcharge",
                    amount=s.amount,
                    booked_on=booked_on,
                    value_date=plan.requested_on,
                    obligation=ref,
                )
            )
            entries.append(_rescheduled(plan, ref, s.amount, booked_on))
        if debt.amount > 0:
            entries.append(_rescheduled(plan, debt.reference, debt.amount, booked_on))
    entries += [
        Entry(
            key=instalment_reference(plan.plan_id, i.number),
            kind="plan_instalment",
            amount=i.amount,
            booked_on=booked_on,
            value_date=i.due_date,
            obligation=instalment_reference(plan.plan_id, i.number),
        )
        for i in plan.instalments
        if i.amount > 0
    ]
    return entries


def _rescheduled(plan: PaymentPlan, obligation: str, amount: Decimal, booked_on: date) -> Entry:
    return Entry(
        key=rescheduled_key(obligation),
        kind="debt_rescheduled",
        amount=-amount,
        booked_on=booked_on,
        value_date=booked_on,
        obligation=obligation,
    )


def end_entries(plan: PaymentPlan, ledger: Ledger, ended_on: date) -> list[Entry]:
    """The unpaid instalments of an ended plan, turned back into one debt due at once. What
    is left of each instalment is read from the ledger (a payment on account counts)."""
    owed = {
        o.reference: o.outstanding
        for o in standing(ledger.entries, ended_on).obligations
        if o.kind == "plan_instalment"
    }
    entries: list[Entry] = []
    total = ZERO
    for i in plan.instalments:
        ref = instalment_reference(plan.plan_id, i.number)
        left = owed.get(ref, ZERO)
        if left > 0:
            entries.append(_rescheduled(plan, ref, left, ended_on))
            total += left
    if total > 0:
        debt = ended_debt_reference(plan.plan_id)
        entries.append(
            Entry(
                key=f"call:{debt}",
                kind="call",
                amount=total,
                booked_on=ended_on,
                value_date=ended_on,
                obligation=debt,
            )
        )
    return entries


def post_all(ledger: Ledger, entries: Sequence[Entry]) -> int:
    """Post what the ledger does not hold yet; how many were posted."""
    return sum(1 for e in entries if ledger.post(e))
