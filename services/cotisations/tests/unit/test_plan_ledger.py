"""A payment-delay plan in the ledger: the surcharges, the debts rescheduled and the plan's
instalments posted once on grant, the balance moved by the surcharges alone, the standing up to
date while the instalments are paid on time, and a missed instalment turned back into one debt
due at once; the balance is the sum of the entries after any sequence of grant, pay and miss."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cotisations.domain.payments.ledger import Entry, Ledger, standing
from cotisations.domain.payments.plan_ledger import (
    end_entries,
    ended_debt_reference,
    grant_entries,
    instalment_reference,
    post_all,
)
from cotisations.domain.payments.plans import Debt, PaymentPlan, preview
from hypothesis import given, settings
from hypothesis import strategies as st

D = Decimal
JAN = date(2026, 1, 5)
MARCH = date(2026, 3, 1)


def _owed(ledger: Ledger, amount: str, due: date, ref: str = "debt:rejection-1") -> Debt:
    ledger.post(Entry(f"rejection:{ref}", "rejection", D(amount), due, due, ref))
    return Debt(ref, D(amount), due)


def _granted(debts: list[Debt], n: int, on: date = MARCH) -> PaymentPlan:
    p = preview(debts, n, on, "75")
    plan = PaymentPlan.request("p1", "aff-1", p, on)
    return plan if p.granted_at_once else plan.grant("agent:ag-1", on)


def _pay(ledger: Ledger, ref: str, amount: D, on: date) -> None:
    ledger.post(Entry(f"payment:{ref}", "payment", -amount, on, on, ref, mode="cheque"))


def test_a_grant_posts_surcharges_debts_rescheduled_and_instalments_once() -> None:
    ledger = Ledger("aff-1")
    debt = _owed(ledger, "900.00", JAN)
    before = standing(ledger.entries, MARCH)
    assert not before.up_to_date
    plan = _granted([debt], 3)
    assert post_all(ledger, grant_entries(plan, [debt], MARCH)) == 6
    assert post_all(ledger, grant_entries(plan, [debt], MARCH)) == 0  # granted twice: nothing
    kinds = [e.kind for e in ledger.entries[1:]]
    assert kinds == ["surcharge", "debt_rescheduled", "debt_rescheduled", *["plan_instalment"] * 3]
    # 5 January to 1 March: 2 months or parts, 5.4 % of 900.00
    assert ledger.balance == before.balance + D("48.60") == plan.total
    now = standing(ledger.entries, MARCH)
    assert now.up_to_date
    due = [o.reference for o in now.obligations if o.outstanding > 0]
    assert due == [instalment_reference("p1", n) for n in (1, 2, 3)]
    states = {o.reference: o.state for o in now.obligations}
    assert states[debt.reference] == "rescheduled"  # not shown « paid »: the plan owes it


def test_instalments_paid_on_time_keep_the_account_up_to_date_a_missed_one_ends_the_plan() -> None:
    ledger = Ledger("aff-1")
    debt = _owed(ledger, "900.00", JAN)
    plan = _granted([debt], 3)
    post_all(ledger, grant_entries(plan, [debt], MARCH))
    first, second = plan.instalments[0], plan.instalments[1]
    _pay(ledger, instalment_reference("p1", 1), first.amount, first.due_date)
    plan = plan.pay(1)
    assert standing(ledger.entries, second.due_date).up_to_date
    day_after = second.due_date + timedelta(days=1)
    assert not standing(ledger.entries, day_after).up_to_date  # missed
    ended = plan.end_if_missed(day_after)
    balance = ledger.balance
    assert post_all(ledger, end_entries(ended, ledger, day_after)) == 3
    assert post_all(ledger, end_entries(ended, ledger, day_after)) == 0
    assert ledger.balance == balance
    shown = standing(ledger.entries, day_after)
    due = {o.reference: o.outstanding for o in shown.obligations if o.outstanding > 0}
    assert due == {ended_debt_reference("p1"): ended.remaining}
    states = {o.reference: o.state for o in shown.obligations}
    assert [states[instalment_reference("p1", n)] for n in (1, 2, 3)] == [
        "paid", "rescheduled", "rescheduled",
    ]  # fmt: skip
    assert shown.up_to_date  # due at once: today
    assert not standing(ledger.entries, day_after + timedelta(days=1)).up_to_date


Step = st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 12), st.booleans()),
    st.tuples(st.just("miss"), st.integers(0, 400), st.booleans()),
)


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(1, 900_000), min_size=1, max_size=3),
    n=st.integers(1, 12),
    late=st.integers(0, 500),
    steps=st.lists(Step, max_size=8),
)
def test_the_balance_is_the_sum_of_the_entries_after_any_grant_pay_miss(
    amounts: list[int], n: int, late: int, steps: list[tuple[str, int, bool]]
) -> None:
    ledger = Ledger("aff-1")
    today = date(2026, 6, 1)
    debts = [
        _owed(ledger, str(D(a) / 100), today - timedelta(days=late + i), f"debt:r-{i}")
        for i, a in enumerate(amounts)
    ]
    before = ledger.balance
    n = min(n, sum(amounts))  # at least a cent an instalment (more is refused)
    plan = _granted(debts, n, today)
    post_all(ledger, grant_entries(plan, debts, today))
    surcharges = sum((e.amount for e in ledger.entries if e.kind == "surcharge"), D("0.00"))
    assert ledger.balance == before + surcharges == plan.total
    for action, value, twice in steps:
        if action == "pay" and value <= n and plan.status.value == "granted":
            i = plan.instalment(value)
            _pay(ledger, instalment_reference("p1", value), i.amount, i.due_date)
            plan = plan.pay(value)
        elif action == "miss":
            day = today + timedelta(days=value)
            ended = plan.end_if_missed(day)
            if ended is not plan:
                balance = ledger.balance
                post_all(ledger, end_entries(ended, ledger, day))
                if twice:
                    assert post_all(ledger, end_entries(ended, ledger, day)) == 0
                assert ledger.balance == balance
                plan = ended
        assert ledger.balance == sum((e.amount for e in ledger.entries), D("0.00"))
        shown = standing(ledger.entries, today)
        left = sum((o.outstanding for o in shown.obligations), D("0.00"))
        assert left - shown.credit == ledger.balance
