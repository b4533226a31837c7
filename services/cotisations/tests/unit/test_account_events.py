"""The account records what changed as domain events, only when a change is applied, and
refuses a decision that no longer holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D  # noqa: N817

import pytest
from cotisations.domain.account import ContributionAccount
from cotisations.domain.errors import (
    DebitDayLocked,
    EstimateLocked,
    IncomeAlreadyDeclared,
    PeriodAlreadyDeclared,
)
from cotisations.domain.events import (
    EstimateApplied,
    IncomeDeclared,
    PaymentTermsChanged,
    Requester,
    ScheduleRevised,
    TurnoverDeclared,
)

ASKED_BY = Requester("jean@dupont.fr", "Jean Dupont")


def _account(category: str = "artisan", **values: object) -> ContributionAccount:
    account = ContributionAccount(
        affiliate_id="aff-1", category=category, departement="75", opened_on=date(2024, 3, 1)
    )
    for name, value in values.items():
        setattr(account, name, value)
    return account


def test_deciding_records_nothing() -> None:
    account = _account(incomes={2025: D(20000)})
    today = date(2026, 3, 1)
    account.estimate(2026, D(42000), today)
    account.declare_income(2025, D(60000), today)
    account.change_periodicity("quarterly", today)
    account.change_debit_day(20, today)
    assert account.events == []


def test_an_applied_estimate_records_its_new_amount_and_the_instalments_it_replaces() -> None:
    account = _account(holder_name="Jean Dupont")
    today = date(2026, 3, 1)
    estimate = account.estimate(2026, D(42000), today)

    account.apply_estimate(estimate, today, ASKED_BY)

    applied, revised = account.events
    assert applied == EstimateApplied(
        "aff-1", "Jean Dupont", 2026, D(42000), D(18741), date(2026, 4, 7), ASKED_BY
    )
    assert isinstance(revised, ScheduleRevised)
    assert revised.instalments == tuple(estimate.revision.remaining)
    assert revised.annual_amount == D(18741)
    with pytest.raises(EstimateLocked):  # the same decision, applied again within the month
        account.apply_estimate(estimate, today, ASKED_BY)


def test_an_applied_income_records_its_regularisation_and_the_schedule_that_carries_it() -> None:
    account = _account(incomes={2025: D(20000)})
    today = date(2026, 5, 10)
    carried = account.declare_income(2025, D(60000), today)

    account.apply_income(carried, today)

    declared, revised = account.events
    assert isinstance(declared, IncomeDeclared)
    assert (declared.outcome, declared.balance) == ("spread", carried.regularisation.balance)
    assert isinstance(revised, ScheduleRevised)
    assert revised.effective_from == carried.changed_from
    assert revised.annual_amount == sum(i.amount for i in carried.instalments)
    assert all(i.due_date >= revised.effective_from for i in revised.instalments)
    with pytest.raises(IncomeAlreadyDeclared):
        account.apply_income(carried, today)


def test_a_change_of_terms_records_the_terms_and_this_years_schedule_if_any() -> None:
    account = _account()
    early, late = date(2026, 2, 1), date(2026, 10, 20)
    debit_day = account.change_debit_day(20, early)
    account.apply_change(debit_day, early)
    assert [type(e) for e in account.events] == [PaymentTermsChanged, ScheduleRevised]
    with pytest.raises(DebitDayLocked):  # a second debit day decided before the first applied
        account.apply_change(replace(debit_day, debit_day=5), early)

    account.events.clear()
    account.apply_change(account.change_periodicity("quarterly", late), late)
    assert account.events == [PaymentTermsChanged("aff-1", "quarterly", 20, date(2027, 2, 5))]


def test_a_declared_period_is_recorded_once() -> None:
    account = _account("micro_entrepreneur")
    today = date(2026, 4, 2)
    declaration = account.declare_turnover("2026-03", D("2001.40"), today)

    account.apply_turnover(declaration)

    assert account.events == [
        TurnoverDeclared("aff-1", "2026-03", D(2001), declaration.amount, date(2026, 4, 30))
    ]
    with pytest.raises(PeriodAlreadyDeclared):
        account.apply_turnover(declaration)
