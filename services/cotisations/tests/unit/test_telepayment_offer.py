"""When « Payer » is offered, and the FAQ's reason when it is not."""

from __future__ import annotations

from datetime import date

import pytest
from cotisations.domain.payments.refusals import PaymentNotOffered
from cotisations.domain.payments.telepayment import (
    ON_DIRECT_DEBIT,
    PAST_DUE,
    PayableKind,
    offer,
    window_opens_on,
)

CURRENT, DEBT, PLAN = PayableKind.CURRENT, PayableKind.DEBT, PayableKind.PLAN_INSTALMENT


@pytest.mark.parametrize(
    ("case", "kind", "due", "today", "direct_debit", "dep", "payable", "code"),
    [
        # current contributions, paid by cheque or transfer: the 3 weeks' window
        (
            "window opens 21 days before",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 4, 14),
            False,
            "75",
            True,
            None,
        ),
        (
            "the day before the window",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 4, 13),
            False,
            "75",
            False,
            "not-open-yet",
        ),
        (
            "long before",
            CURRENT,
            date(2026, 11, 5),
            date(2026, 5, 6),
            False,
            "75",
            False,
            "not-open-yet",
        ),
        (
            "on the due date itself",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 5, 5),
            False,
            "75",
            True,
            None,
        ),
        (
            "the day after the due date",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 5, 6),
            False,
            "75",
            False,
            "past-due",
        ),
        # a due date on a Saturday moves to Monday: the window and the last day move with it
        (
            "Saturday → Monday, paid on the Monday",
            CURRENT,
            date(2028, 8, 5),
            date(2028, 8, 7),
            False,
            "75",
            True,
            None,
        ),
        (
            "Saturday → Monday, window from the Monday",
            CURRENT,
            date(2028, 8, 5),
            date(2028, 7, 17),
            False,
            "75",
            True,
            None,
        ),
        (
            "Saturday → Monday, not the day before",
            CURRENT,
            date(2028, 8, 5),
            date(2028, 7, 16),
            False,
            "75",
            False,
            "not-open-yet",
        ),
        (
            "Saturday → Monday, Tuesday is late",
            CURRENT,
            date(2028, 8, 5),
            date(2028, 8, 8),
            False,
            "75",
            False,
            "past-due",
        ),
        # Sunday then Easter Monday: due Tuesday 7 April 2026
        (
            "Easter: paid on the Tuesday",
            CURRENT,
            date(2026, 4, 5),
            date(2026, 4, 7),
            False,
            "75",
            True,
            None,
        ),
        (
            "Easter: Wednesday is late",
            CURRENT,
            date(2026, 4, 5),
            date(2026, 4, 8),
            False,
            "75",
            False,
            "past-due",
        ),
        # Saint-Étienne in Moselle: 26 December 2025 is not worked there
        (
            "26 December, Paris: due that day",
            CURRENT,
            date(2025, 12, 26),
            date(2025, 12, 27),
            False,
            "75",
            False,
            "past-due",
        ),
        (
            "26 December, Moselle: due on the 29th",
            CURRENT,
            date(2025, 12, 26),
            date(2025, 12, 27),
            False,
            "57",
            True,
            None,
        ),
        # automatic debit: never for current contributions
        (
            "direct debit, inside the window",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 4, 20),
            True,
            "75",
            False,
            "direct-debit",
        ),
        (
            "direct debit, past due",
            CURRENT,
            date(2026, 5, 5),
            date(2026, 6, 1),
            True,
            "75",
            False,
            "direct-debit",
        ),
        # debts and plan instalments: open at all times, whatever the mode
        ("debt long past due", DEBT, date(2025, 2, 5), date(2026, 6, 1), False, "75", True, None),
        ("debt, direct debit", DEBT, date(2025, 2, 5), date(2026, 6, 1), True, "75", True, None),
        ("debt not yet due", DEBT, date(2026, 12, 5), date(2026, 6, 1), False, "75", True, None),
        (
            "plan instalment months ahead",
            PLAN,
            date(2026, 12, 7),
            date(2026, 6, 1),
            True,
            "75",
            True,
            None,
        ),
        (
            "plan instalment past due",
            PLAN,
            date(2026, 5, 7),
            date(2026, 6, 1),
            False,
            "75",
            True,
            None,
        ),
        # a monthly instalment: the same 3 weeks before its due date
        (
            "monthly on the 20th, 21 days before",
            CURRENT,
            date(2026, 6, 22),
            date(2026, 6, 1),
            False,
            "75",
            True,
            None,
        ),
        (
            "monthly on the 20th, 22 days before",
            CURRENT,
            date(2026, 6, 22),
            date(2026, 5, 31),
            False,
            "75",
            False,
            "not-open-yet",
        ),
    ],
)
def test_payer_is_offered_by_the_faq_rules(
    case: str,
    kind: PayableKind,
    due: date,
    today: date,
    direct_debit: bool,
    dep: str,
    payable: bool,
    code: str | None,
) -> None:
    result = offer(kind, due, today, on_direct_debit=direct_debit, departement=dep)
    assert (result.payable, result.code) == (payable, code), case
    assert (result.reason is None) == payable, case


def test_each_reason_is_the_faqs() -> None:
    direct = offer(
        CURRENT, date(2026, 5, 5), date(2026, 4, 20), on_direct_debit=True, departement="75"
    )
    early = offer(
        CURRENT, date(2026, 5, 5), date(2026, 3, 1), on_direct_debit=False, departement="75"
    )
    late = offer(
        CURRENT, date(2026, 5, 5), date(2026, 5, 6), on_direct_debit=False, departement="75"
    )
    assert direct.reason == ON_DIRECT_DEBIT
    assert "prélèvement automatique" in ON_DIRECT_DEBIT
    assert "pas éligible au télépaiement" in ON_DIRECT_DEBIT
    assert early.reason is not None
    assert "attendre l'ouverture du service, à l'édition des avis d'appels" in early.reason
    assert "le 14 avril 2026" in early.reason
    assert early.opens_on == date(2026, 4, 14)
    assert late.reason == PAST_DUE
    assert "par chèque ou virement bancaire" in PAST_DUE


def test_the_window_opens_three_weeks_before_the_moved_due_date() -> None:
    assert window_opens_on(date(2028, 8, 7)) == date(2028, 7, 17)


def test_require_refuses_with_the_reason_and_code() -> None:
    late = offer(
        CURRENT, date(2026, 5, 5), date(2026, 5, 6), on_direct_debit=False, departement="75"
    )
    with pytest.raises(PaymentNotOffered) as refused:
        late.require()
    assert refused.value.code == "past-due"
    assert refused.value.message == PAST_DUE
    assert refused.value.field == "payable"
    offer(
        DEBT, date(2026, 5, 5), date(2026, 5, 6), on_direct_debit=False, departement="75"
    ).require()
