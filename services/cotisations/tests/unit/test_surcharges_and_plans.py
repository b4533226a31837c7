"""Late-payment surcharges and payment-delay plans."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from cotisations.domain.payments.plans import (
    AUTO_GRANT_REASON,
    Debt,
    PaymentPlan,
    PlanStatus,
    auto_grantable,
    preview,
)
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid
from cotisations.domain.payments.surcharge import months_late, rate, surcharge
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("due", "on", "months"),
    [
        (date(2026, 5, 5), date(2026, 5, 5), 0),  # on the due date: not late
        (date(2026, 5, 5), date(2026, 5, 4), 0),
        (date(2026, 5, 5), date(2026, 5, 6), 1),  # one day: a part of a month
        (date(2026, 5, 5), date(2026, 6, 5), 1),  # exactly one month
        (date(2026, 5, 5), date(2026, 6, 6), 2),  # a month and a day
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # a month to the end of February
        (date(2026, 1, 31), date(2026, 3, 1), 2),
        (date(2026, 1, 31), date(2026, 3, 31), 2),  # counted from 31 January, not 28 February
        (date(2026, 1, 31), date(2026, 4, 1), 3),
        (date(2028, 1, 31), date(2028, 2, 29), 1),  # a leap year: 29 February ends the month
        (date(2028, 1, 31), date(2028, 3, 1), 2),
        (date(2028, 2, 29), date(2029, 2, 28), 12),  # 29 February + 12 months → 28 February
        (date(2028, 2, 29), date(2029, 3, 1), 13),
        (date(2025, 12, 5), date(2026, 1, 6), 2),  # across the year
        (date(2026, 2, 5), date(2027, 2, 5), 12),
    ],
)
def test_months_or_parts_of_a_month(due: date, on: date, months: int) -> None:
    assert months_late(due, on) == months


def test_five_percent_plus_point_two_per_month_half_up_to_the_cent() -> None:
    # 1 day late: 5.2 %; 1 000 → 52.00
    assert surcharge(Decimal("1000.00"), date(2026, 5, 5), date(2026, 5, 6)).amount == Decimal(
        "52.00"
    )
    # 3 months and a day late: 5 % + 4 × 0.2 % = 5.8 %
    s = surcharge(Decimal("1234.56"), date(2026, 2, 5), date(2026, 5, 6))
    assert (s.months, s.rate) == (4, Decimal("0.058"))
    assert s.amount == Decimal("71.60")  # 71.60448
    # an exact half cent goes up: 0.25 × 5.2 % = 0.013 → 0.01; 12.50 × 5.2 % = 0.65
    assert surcharge(Decimal("0.25"), date(2026, 5, 5), date(2026, 5, 6)).amount == Decimal("0.01")
    assert surcharge(Decimal("48.75"), date(2026, 5, 5), date(2026, 5, 6)).amount == Decimal(
        "2.54"
    )  # 2.535
    assert surcharge(Decimal("1000.00"), date(2026, 5, 5), date(2026, 5, 5)).amount == Decimal(
        "0.00"
    )


@given(
    principal=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2),
    due=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    late=st.integers(min_value=0, max_value=2000),
)
def test_surcharge_properties(principal: Decimal, due: date, late: int) -> None:
    on = due + timedelta(days=late)
    s = surcharge(principal, due, on)
    assert s.amount == s.amount.quantize(Decimal("0.01"))
    assert s.amount == (principal * s.rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if late == 0:
        assert s.amount == 0
        return
    # months or parts: never less than the full months elapsed, never more than one over
    assert s.months >= 1
    assert late / 31 <= s.months <= late / 28 + 1
    assert s.rate == Decimal("0.05") + Decimal("0.002") * s.months
    # a day later never costs less
    assert rate(due, on + timedelta(days=1)) >= s.rate


def _debts(*amounts: str) -> list[Debt]:
    return [Debt(f"debt:{i}", Decimal(a), date(2026, 2, 5)) for i, a in enumerate(amounts)]


def test_a_plan_preview_shows_surcharges_and_a_schedule_summing_to_the_total() -> None:
    p = preview(_debts("1000.00", "234.56"), 7, date(2026, 3, 10), "75")
    # 1 month and 5 days late: 5.4 %
    assert [s.amount for s in p.surcharges] == [Decimal("54.00"), Decimal("12.67")]
    assert p.principal == Decimal("1234.56")
    assert p.surcharge_total == Decimal("66.67")
    assert p.total == Decimal("1301.23")
    assert len(p.instalments) == 7
    assert sum(i.amount for i in p.instalments) == p.total
    assert [i.amount for i in p.instalments] == [Decimal("185.89")] * 7
    three = preview(_debts("1000.00", "234.56"), 3, date(2026, 3, 10), "75")
    assert [i.amount for i in three.instalments] == [
        Decimal("433.75"),
        Decimal("433.74"),
        Decimal("433.74"),
    ]
    # monthly from a month after the request, moved to working days
    assert [i.due_date for i in p.instalments][:3] == [
        date(2026, 4, 10),
        date(2026, 5, 11),
        date(2026, 6, 10),
    ]
    assert not p.granted_at_once  # 7 instalments: for an agent


@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2),
        min_size=1,
        max_size=5,
    ),
    n=st.integers(min_value=1, max_value=12),
    today=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
)
def test_a_plans_instalments_always_sum_to_its_total(
    amounts: list[Decimal], n: int, today: date
) -> None:
    debts = [Debt(str(i), a, date(2025, 11, 5)) for i, a in enumerate(amounts)]
    n = min(n, int(sum(amounts) * 100))  # at least a cent an instalment (more is refused)
    p = preview(debts, n, today, "57")
    assert sum(i.amount for i in p.instalments) == p.total == p.principal + p.surcharge_total
    assert max(i.amount for i in p.instalments) - min(i.amount for i in p.instalments) <= Decimal(
        "0.01"
    )
    dates = [i.due_date for i in p.instalments]
    assert dates == sorted(set(dates))
    assert all(d > today for d in dates)


@pytest.mark.parametrize(
    ("principal", "n", "last_broken_on", "granted"),
    [
        ("5000.00", 6, None, True),
        ("5000.01", 6, None, False),
        ("5000.00", 7, None, False),
        ("100.00", 1, date(2025, 6, 10), True),  # broken 12 months ago to the day: clean again
        ("100.00", 1, date(2025, 6, 11), False),  # broken less than 12 months ago
    ],
)
def test_the_rule_for_small_simple_cases(
    principal: str, n: int, last_broken_on: date | None, granted: bool
) -> None:
    assert auto_grantable(Decimal(principal), n, last_broken_on, date(2026, 6, 10)) is granted


@pytest.mark.parametrize(("n", "words"), [(0, "de 1 à 12 échéances"), (13, "de 1 à 12 échéances")])
def test_a_plan_has_one_to_twelve_instalments(n: int, words: str) -> None:
    with pytest.raises(PaymentInputInvalid) as refused:
        preview(_debts("100.00"), n, date(2026, 3, 10), "75")
    assert refused.value.field == "instalments"
    assert words in refused.value.message


def test_no_instalment_of_nothing() -> None:
    with pytest.raises(PaymentInputInvalid) as refused:
        preview(_debts("0.05"), 12, date(2026, 3, 10), "75")
    assert refused.value.field == "instalments"
    assert refused.value.message.startswith("0,05 € ne se répartissent pas en 12 échéances")
    assert refused.value.message.endswith("choisissez-en au plus 5.")
    assert len(preview(_debts("0.05"), 5, date(2026, 3, 10), "75").instalments) == 5


def test_no_plan_without_a_debt() -> None:
    with pytest.raises(PaymentInputInvalid) as refused:
        preview([], 3, date(2026, 3, 10), "75")
    assert "aucune dette" in refused.value.message


def test_a_small_case_is_granted_at_once_others_wait_for_an_agent() -> None:
    today = date(2026, 3, 10)
    small = PaymentPlan.request("p1", "a1", preview(_debts("900.00"), 3, today, "75"), today)
    assert (small.status, small.decided_by, small.reason) == (
        PlanStatus.GRANTED,
        "rule",
        AUTO_GRANT_REASON,
    )
    big = PaymentPlan.request("p2", "a1", preview(_debts("9000.00"), 3, today, "75"), today)
    assert big.status is PlanStatus.REQUESTED
    refused = big.refuse("agent-7", today, "  Dette trop ancienne  ")
    assert (refused.status, refused.reason) == (PlanStatus.REFUSED, "Dette trop ancienne")
    with pytest.raises(PaymentConflict) as again:
        refused.grant("agent-7", today)
    assert again.value.code == "plan-already-decided"
    with pytest.raises(PaymentInputInvalid) as no_reason:
        big.refuse("agent-7", today, " ")
    assert no_reason.value.field == "reason"
    assert big.grant("agent-7", today, "Situation examinée").status is PlanStatus.GRANTED


def test_a_missed_instalment_ends_the_plan_and_what_remains_is_due() -> None:
    today = date(2026, 3, 10)
    plan = PaymentPlan.request("p1", "a1", preview(_debts("900.00"), 3, today, "75"), today)
    first, second, _ = plan.instalments
    plan = plan.pay(1)
    assert plan.end_if_missed(second.due_date) is plan  # due today: not missed yet
    ended = plan.end_if_missed(second.due_date + timedelta(days=1))
    assert (ended.status, ended.ended_on) == (PlanStatus.ENDED, second.due_date + timedelta(days=1))
    assert ended.remaining == plan.total - first.amount
    with pytest.raises(PaymentConflict):
        ended.pay(2)


def test_a_plan_paid_in_full_is_completed() -> None:
    today = date(2026, 3, 10)
    plan = PaymentPlan.request("p1", "a1", preview(_debts("900.00"), 2, today, "75"), today)
    plan = plan.pay(1).pay(2)
    assert plan.status is PlanStatus.COMPLETED
    assert plan.remaining == 0
    assert plan.end_if_missed(date(2027, 1, 1)) is plan
