"""The standing after a debit, derived from the standing before it (``standing_after_payment``,
what the debit day does for each account), is the one computed from every entry."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cotisations.domain.payments.ledger import (
    Entry,
    call_entry,
    debt_ref,
    instalment_ref,
    standing,
    standing_after_payment,
)
from hypothesis import given
from hypothesis import strategies as st

D = Decimal

cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=0, max_value=200).map(lambda n: date(2026, 1, 1) + timedelta(n))
statuses = st.sampled_from(["posted", "pending", "settled", "rejected"])


def _payment(key: str, amount: Decimal, ref: str | None, status: str, on: date) -> Entry:
    return Entry(
        key=key,
        kind="payment",
        amount=-amount,
        booked_on=on,
        value_date=on,
        obligation=ref,
        mode="prelevement",
        status=status,  # type: ignore[arg-type]
        external_reference=f"E2E-{key}",
    )


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[Entry], list[str]]:
    """Calls, payments named or on account in any status, rejections of some of them (a debt
    each), debts rescheduled, surcharges: every shape an account's ledger takes."""
    calls = draw(st.lists(st.tuples(days, cents), max_size=8, unique_by=lambda t: t[0]))
    entries: list[Entry] = [call_entry(d, a, d) for d, a in calls]
    refs = [instalment_ref(d) for d, _ in calls]
    named = st.sampled_from([*refs, None, "instalment:unknown"])
    for i, (amount, ref, status, d) in enumerate(
        draw(st.lists(st.tuples(cents, named, statuses, days), max_size=8))
    ):
        entries.append(_payment(f"p{i}", amount, ref, status, d))
    payments = [e for e in entries if e.kind == "payment"]
    if payments:
        for e in draw(st.lists(st.sampled_from(payments), max_size=2, unique=True)):
            origin = f"rejection:{e.key}"
            entries.append(
                Entry(origin, "rejection", -e.amount, e.value_date, e.value_date,
                      debt_ref(origin), mode=e.mode, external_reference=e.key, reason="AM04")
            )  # fmt: skip
    if refs:
        for ref in draw(st.lists(st.sampled_from(refs), max_size=1)):
            entries.append(
                Entry(f"rescheduled:{ref}", "debt_rescheduled", -D("1.00"), date(2026, 1, 1),
                      date(2026, 1, 1), ref)
            )  # fmt: skip
    for i, (d, amount) in enumerate(draw(st.lists(st.tuples(days, cents), max_size=2))):
        entries.append(Entry(f"s{i}", "surcharge", amount, d, d, f"surcharge:{i}"))
    return entries, refs


@st.composite
def debited(draw: st.DrawFn) -> tuple[list[Entry], Entry, date]:
    """A ledger, the day it is debited, and the debit: most often what is left of one of its
    obligations (the debit day's case), else any amount on any obligation or on account."""
    entries, refs = draw(ledgers())
    on = draw(days)
    before = standing(entries, on)
    exact = [o for o in before.obligations if o.outstanding > 0]
    status = draw(statuses)
    on_what_is_left = draw(st.booleans())
    if exact and on_what_is_left:
        o = draw(st.sampled_from(exact))
        debit = _payment(f"debit:{on}", o.outstanding, o.reference, status, on)
    else:
        ref = draw(st.sampled_from([*refs, None]))
        debit = _payment(f"debit:{on}", draw(cents), ref, status, on)
    if draw(st.integers(0, 9)) == 0:  # a rejection of the debit already there (a replay)
        origin = f"rejection:{debit.key}"
        entries.append(
            Entry(origin, "rejection", -debit.amount, on, on, debt_ref(origin),
                  mode=debit.mode, external_reference=debit.key, reason="AM04")
        )  # fmt: skip
    return entries, debit, on


@given(debited())
def test_the_standing_after_a_debit_is_the_one_computed_from_every_entry(
    case: tuple[list[Entry], Entry, date],
) -> None:
    entries, debit, on = case
    before = standing(entries, on)
    after = [*entries, debit]
    assert standing_after_payment(before, after, debit) == standing(after, on)


def test_the_debit_days_case_is_derived_not_recomputed() -> None:
    """The case the debit day asks a hundred thousand times: an instalment due that day, paid
    in part on account, debited for what is left: only that obligation and the balance move."""
    day = date(2026, 5, 5)
    entries = [
        call_entry(date(2026, 4, 6), D("100.00"), date(2026, 4, 6)),
        call_entry(day, D("100.00"), day),
        _payment("cheque", D("130.00"), None, "posted", date(2026, 4, 1)),
    ]
    before = standing(entries, day)
    debit = _payment("debit:2026-05-05", D("70.00"), instalment_ref(day), "pending", day)
    after = standing_after_payment(before, [*entries, debit], debit)
    assert after == standing([*entries, debit], day)
    settled = after.obligations[1]
    assert (settled.outstanding, settled.pending, settled.state) == (D(0), D("70.00"), "pending")
    assert after.balance == D("0.00")
    assert after.up_to_date
