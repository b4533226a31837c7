"""The ledger: entries to the cent, posted once by their natural key, and the standing (balance,
what is due and when) derived from them alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from cotisations.domain.payments.ledger import (
    Entry,
    Ledger,
    LedgerError,
    call_entry,
    calls_due,
    debt_ref,
    instalment_ref,
    paid_towards,
    standing,
)
from cotisations.domain.payments.opening import opening_entry
from hypothesis import given
from hypothesis import strategies as st

D = Decimal
MARCH = date(2026, 3, 5)
APRIL = date(2026, 4, 6)


def payment(key: str, amount: str, obligation: str | None, *, status: str = "posted") -> Entry:
    return Entry(
        key=key,
        kind="payment",
        amount=-D(amount),
        booked_on=MARCH,
        value_date=MARCH,
        obligation=obligation,
        mode="cheque",
        status=status,  # type: ignore[arg-type]
    )


def test_an_entry_is_to_the_cent_and_signed_by_its_kind() -> None:
    with pytest.raises(LedgerError):
        call_entry(MARCH, D("10.005"), MARCH)
    with pytest.raises(LedgerError):
        call_entry(MARCH, D("-10.00"), MARCH)
    with pytest.raises(LedgerError):
        payment("p", "-5.00", None)
    with pytest.raises(LedgerError):
        Entry("x", "payment", D("-1.00"), MARCH, MARCH, None, mode=None)


def test_a_replayed_entry_posts_nothing() -> None:
    ledger = Ledger("aff-1")
    assert ledger.post(call_entry(MARCH, D("100.00"), MARCH))
    assert not ledger.post(call_entry(MARCH, D("100.00"), MARCH))
    assert ledger.balance == D("100.00")
    assert [e.key for e in ledger.posted] == ["call:2026-03-05"]


def test_a_pending_debit_is_answered_once() -> None:
    ledger = Ledger("aff-1", [call_entry(MARCH, D("100.00"), MARCH)])
    ledger.post(payment("debit:1", "100.00", instalment_ref(MARCH), status="pending"))
    assert ledger.settle("debit:1", "settled") is not None
    assert ledger.settle("debit:1", "rejected") is None
    assert ledger.get("debit:1").status == "settled"  # type: ignore[union-attr]


def test_only_a_pending_payment_takes_a_new_amount() -> None:
    ledger = Ledger("aff-1", [call_entry(MARCH, D("100.00"), MARCH)])
    ledger.post(payment("telepayment:1", "100.00", instalment_ref(MARCH), status="pending"))
    ledger.post(payment("cheque:1", "20.00", None))
    assert ledger.reamount("telepayment:1", D("-40.00")) is not None
    assert ledger.balance == D("40.00")
    assert paid_towards(ledger.entries, instalment_ref(MARCH)) == D("40.00")
    assert ledger.reamount("cheque:1", D("-1.00")) is None  # posted money does not move
    assert ledger.reamount("call:2026-03-05", D("1.00")) is None
    ledger.settle("telepayment:1", "settled")
    assert ledger.reamount("telepayment:1", D("-100.00")) is None
    assert ledger.balance == D("40.00")


def test_the_payments_naming_an_instalment_pay_it_and_those_on_account_the_oldest() -> None:
    entries = [
        call_entry(MARCH, D("100.00"), MARCH),
        call_entry(APRIL, D("100.00"), APRIL),
        payment("p1", "100.00", instalment_ref(APRIL)),
        payment("p2", "30.00", None),
    ]
    s = standing(entries, date(2026, 4, 10))
    march, april = s.obligations
    assert (march.state, march.outstanding) == ("overdue", D("70.00"))
    assert (april.state, april.outstanding) == ("paid", D("0.00"))
    assert s.balance == D("70.00")
    assert s.overdue == D("70.00")
    assert s.oldest_overdue == MARCH
    assert not s.up_to_date


def test_a_rejected_debit_leaves_the_instalment_rejected_and_a_debt_late_at_once() -> None:
    entries = [
        call_entry(MARCH, D("100.00"), MARCH),
        payment("debit:1", "100.00", instalment_ref(MARCH), status="rejected"),
        Entry(
            "rejection:debit:1",
            "rejection",
            D("100.00"),
            MARCH + timedelta(days=3),
            MARCH + timedelta(days=3),
            debt_ref("rejection:debit:1"),
            mode="prelevement",
            external_reference="debit:1",
            reason="AM04",
        ),
    ]
    s = standing(entries, MARCH + timedelta(days=3))
    instalment, debt = s.obligations
    assert instalment.state == "rejected"
    assert instalment.rejected_into == debt.reference
    assert (debt.state, debt.outstanding) == ("overdue", D("100.00"))
    assert s.balance == D("100.00")
    # what fell due unpaid is late on the day the bank returns the debit, not from the next
    assert (s.up_to_date, s.overdue, s.oldest_overdue) == (False, D("100.00"), debt.due_date)


def test_a_pending_debit_counts_as_paid_while_the_bank_has_not_answered() -> None:
    entries = [
        call_entry(MARCH, D("100.00"), MARCH),
        payment("debit:1", "100.00", instalment_ref(MARCH), status="pending"),
    ]
    (instalment,) = standing(entries, APRIL).obligations
    assert (instalment.state, instalment.pending) == ("pending", D("100.00"))


def test_an_overpayment_is_a_credit() -> None:
    entries = [call_entry(MARCH, D("100.00"), MARCH), payment("p", "150.00", instalment_ref(MARCH))]
    s = standing(entries, APRIL)
    assert s.balance == D("-50.00")
    assert s.credit == D("50.00")


def test_only_the_calls_due_and_not_yet_posted_are_posted() -> None:
    ledger = Ledger("aff-1", [call_entry(MARCH, D("100.00"), MARCH)])
    due = calls_due([(MARCH, D("100.00")), (APRIL, D("90.00"))], ledger, APRIL)
    assert [e.key for e in due] == ["call:2026-04-06"]
    assert calls_due([(APRIL, D("90.00"))], ledger, APRIL - timedelta(days=1)) == []


cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=0, max_value=400).map(lambda n: date(2026, 1, 1) + timedelta(n))


@st.composite
def ledgers(draw: st.DrawFn) -> list[Entry]:
    calls = draw(st.lists(st.tuples(days, cents), max_size=12, unique_by=lambda t: t[0]))
    entries: list[Entry] = [call_entry(d, a, d) for d, a in calls]
    refs = [instalment_ref(d) for d, _ in calls] + [None, "instalment:unknown"]
    for i, (amount, ref, status) in enumerate(
        draw(
            st.lists(
                st.tuples(
                    cents,
                    st.sampled_from(refs),
                    st.sampled_from(["posted", "pending", "settled", "rejected"]),
                ),
                max_size=12,
            )
        )
    ):
        entries.append(payment(f"p{i}", str(amount), ref, status=status))
    for i, (d, amount) in enumerate(draw(st.lists(st.tuples(days, cents), max_size=3))):
        entries.append(Entry(f"s{i}", "surcharge", amount, d, d, f"surcharge:{i}"))
    return entries


@given(ledgers(), days)
def test_the_balance_is_the_sum_of_the_entries_to_the_cent(entries: list[Entry], on: date) -> None:
    s = standing(entries, on)
    assert s.balance == sum((e.amount for e in entries), D(0))
    assert s.balance == s.balance.quantize(D("0.01"))
    # what is left of the obligations, less the credit nothing used, is the balance
    assert sum((o.outstanding for o in s.obligations), D(0)) - s.credit == s.balance
    assert all(D(0) <= o.outstanding <= o.amount for o in s.obligations)
    assert s.credit >= 0
    assert s.credit == 0 or all(o.outstanding == 0 for o in s.obligations)
    overdue = [o for o in s.obligations if o.due_date < on and o.outstanding > 0]
    assert s.overdue == sum((o.outstanding for o in overdue), D(0))
    assert s.oldest_overdue == min((o.due_date for o in overdue), default=None)


def test_an_opening_balance_owed_is_a_debt_and_one_in_credit_pays_the_oldest_first() -> None:
    owed = opening_entry(D("250.00"), date(2025, 12, 5), "REPRISE-1", MARCH)
    (debt,) = standing([owed], MARCH).obligations
    assert (debt.reference, debt.kind, debt.state) == ("debt:opening", "opening", "overdue")
    credit = opening_entry(D("-150.00"), date(2025, 12, 31), "REPRISE-1", MARCH)
    s = standing([call_entry(MARCH, D("100.00"), MARCH), credit], MARCH)
    assert [o.outstanding for o in s.obligations] == [D("0.00")]
    assert (s.credit, s.balance) == (D("50.00"), D("-50.00"))
    with pytest.raises(LedgerError):
        opening_entry(D("0.00"), MARCH, "REPRISE-1", MARCH)
    with pytest.raises(LedgerError):
        Entry("opening", "opening", D("-5.00"), MARCH, MARCH, "debt:opening")
