"""The account's changes as the domain makes them: definitive income and regularisation,
periodicity and debit day, a micro-entrepreneur's declarations, the relevé de carrière."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D  # noqa: N817

import pytest
from cotisations.domain.account import ContributionAccount
from cotisations.domain.errors import (
    ComputationInputInvalid,
    DebitDayLocked,
    IncomeAlreadyDeclared,
    PeriodAlreadyDeclared,
)
from cotisations.domain.independant import compute_independant
from cotisations.domain.schedule import echeancier
from hypothesis import given
from hypothesis import strategies as st


def _artisan(**values: object) -> ContributionAccount:
    account = ContributionAccount(
        affiliate_id="aff-1", category="artisan", departement="75", opened_on=date(2024, 3, 1)
    )
    for name, value in values.items():
        setattr(account, name, value)
    return account


def _micro(periodicity: str = "monthly") -> ContributionAccount:
    return ContributionAccount(
        affiliate_id="aff-2",
        category="micro_entrepreneur",
        departement="75",
        opened_on=date(2024, 3, 1),
        periodicity=periodicity,
    )


def _total(instalments: list[object]) -> D:
    return sum((i.amount for i in instalments), D(0))  # type: ignore[attr-defined]


# -- definitive income -----------------------------------------------------------------------


def test_a_definitive_income_above_what_was_called_is_spread_over_the_remaining_instalments() -> (
    None
):
    account = _artisan(incomes={2025: D(20000)})
    called_2025 = _total(account.schedule(2025))
    today = date(2026, 5, 10)

    carried = account.declare_income(2025, D(60000), today)

    r = carried.regularisation
    assert r.outcome == "spread"
    assert r.definitive_total == compute_independant(2025, "artisan", D(60000)).total
    assert r.called_total == called_2025
    assert r.balance > 0
    provisional_2026 = compute_independant(2026, "artisan", D(60000)).total
    assert _total(carried.instalments) == provisional_2026 + r.balance
    kept = [i for i in carried.instalments if (i.due_date - today).days < 15]
    assert kept == account.schedule(2026)[: len(kept)]  # what fell due is not rewritten
    assert r.due_date == carried.changed_from
    assert carried.changed_from is not None
    assert (carried.changed_from - today).days >= 15


def test_a_definitive_income_below_what_was_called_is_refunded() -> None:
    account = _artisan(incomes={2025: D(60000)})
    carried = account.declare_income(2025, D(10000), date(2026, 5, 10))
    assert carried.regularisation.outcome == "refund"
    assert carried.regularisation.balance < 0


def test_a_balance_owed_with_no_instalment_left_is_a_debt_due_30_days_later() -> None:
    account = _artisan(incomes={2025: D(10000)})
    carried = account.declare_income(2025, D(80000), date(2026, 12, 10))
    r = carried.regularisation
    assert (r.outcome, r.due_date) == ("debt", date(2027, 1, 11))  # 9 January is a Saturday
    assert carried.instalments == account.schedule(2026)


def test_applying_a_definitive_income_keeps_what_the_year_called_and_blocks_a_second_one() -> None:
    account = _artisan(incomes={2025: D(20000)})
    called_2025 = account.schedule(2025)
    today = date(2026, 5, 10)
    carried = account.declare_income(2025, D(60000), today)

    account.apply_income(carried, today)

    assert account.schedule(2025) == called_2025
    assert account.schedule(2026) == carried.instalments
    assert account.regularisations == [carried.regularisation]
    with pytest.raises(IncomeAlreadyDeclared, match="déjà déclaré"):
        account.declare_income(2025, D(61000), today)


def test_an_estimate_of_the_current_year_stands_when_last_year_is_regularised() -> None:
    account = _artisan(incomes={2025: D(20000), 2026: D(30000)})
    today = date(2026, 5, 10)
    before = _total(account.schedule(2026))
    carried = account.declare_income(2025, D(60000), today)
    assert _total(carried.instalments) == before + carried.regularisation.balance


@pytest.mark.parametrize(
    ("year", "today", "message"),
    [
        (2026, date(2026, 5, 10), "une fois l'année terminée"),
        (2023, date(2026, 5, 10), "pas ouvert"),
    ],
)
def test_a_definitive_income_for_a_year_not_finished_or_before_the_account_is_refused(
    year: int, today: date, message: str
) -> None:
    with pytest.raises(ComputationInputInvalid, match=message):
        _artisan().declare_income(year, D(30000), today)


@given(
    before=st.decimals(min_value=0, max_value=300000, places=2),
    definitive=st.decimals(min_value=-5000, max_value=300000, places=2),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
)
def test_the_current_year_always_carries_its_provisional_amount_plus_what_is_spread(
    before: D, definitive: D, day: date
) -> None:
    account = _artisan(incomes={2025: before})
    carried = account.declare_income(2025, definitive, day)
    r = carried.regularisation
    spread = r.balance if r.outcome == "spread" else D(0)
    kept = [i for i in carried.instalments if (i.due_date - day).days < 15]
    if len(kept) == len(carried.instalments):
        assert carried.instalments == account.schedule(2026)
    else:
        provisional = compute_independant(2026, "artisan", definitive).total
        assert _total(carried.instalments) == max(provisional, _total(kept)) + spread
    assert all(i.amount >= 0 for i in carried.instalments)


# -- periodicity and debit day ---------------------------------------------------------------


def test_going_quarterly_keeps_the_months_already_due_and_spreads_the_rest_exactly() -> None:
    account = _artisan(incomes={2026: D(40000)})
    today = date(2026, 3, 20)
    year_total = _total(account.schedule(2026))

    change = account.change_periodicity("quarterly", today)

    assert change.effective_from == date(2026, 5, 5)  # first quarterly date 30 days away
    assert [i.due_date for i in change.instalments][-3:] == [
        date(2026, 5, 5),
        date(2026, 8, 5),
        date(2026, 11, 5),
    ]
    assert all(i.due_date.month <= 4 for i in change.instalments[:-3])
    assert _total(change.instalments) == year_total
    account.apply_change(change, today)
    assert account.periodicity == "quarterly"
    assert account.schedule(2026) == change.instalments


def test_a_periodicity_change_too_late_in_the_year_applies_from_next_year() -> None:
    account = _artisan()
    change = account.change_periodicity("quarterly", date(2026, 10, 20))
    assert change.effective_from == date(2027, 2, 5)
    assert change.instalments == account.schedule(2026)


def test_the_debit_day_changes_once_a_year_and_not_for_a_quarterly_account() -> None:
    account = _artisan()
    today = date(2026, 2, 1)
    change = account.change_debit_day(20, today)
    assert change.effective_from == date(2026, 3, 20)
    account.apply_change(change, today)
    assert account.schedule(2026)[2].due_date == date(2026, 3, 20)
    assert account.schedule(2026)[1].due_date == date(2026, 2, 5)
    with pytest.raises(DebitDayLocked) as locked:
        account.change_debit_day(5, date(2026, 6, 1))
    assert locked.value.unlocks_on == date(2027, 1, 1)
    quarterly = _artisan(periodicity="quarterly")
    with pytest.raises(ComputationInputInvalid, match="mensuel"):
        quarterly.change_debit_day(20, today)


# -- micro-entrepreneur ----------------------------------------------------------------------


def test_a_month_declared_owes_its_turnover_times_the_rates_at_the_end_of_the_next_month() -> None:
    account = _micro()
    declaration = account.declare_turnover("2026-03", D("2001.40"), date(2026, 4, 2))
    assert declaration.turnover == D(2001)  # rounded half up to the euro
    assert declaration.lines["cotisations_sociales"] == D(424)  # 2001 × 21.2 % = 424.21
    assert declaration.due_date == date(2026, 4, 30)
    assert declaration.amount == sum(declaration.lines.values())


def test_a_quarter_declared_is_due_at_the_end_of_the_month_after_it() -> None:
    account = _micro("quarterly")
    declaration = account.declare_turnover("2025-T4", D(9000), date(2026, 1, 5))
    assert declaration.due_date == date(2026, 2, 2)  # 31 January 2026 is a Saturday
    account.declarations.append(declaration)
    assert account.schedule(2025)[0].amount == declaration.amount
    with pytest.raises(PeriodAlreadyDeclared):
        account.declare_turnover("2025-T4", D(1), date(2026, 1, 6))


@pytest.mark.parametrize(
    ("periodicity", "period", "today", "message"),
    [
        ("monthly", "2026-T1", date(2026, 5, 1), "AAAA-MM"),
        ("quarterly", "2026-03", date(2026, 5, 1), "AAAA-TN"),
        ("monthly", "2026-13", date(2026, 5, 1), "AAAA-MM"),
        ("monthly", "2026-05", date(2026, 5, 20), "pas terminée"),
    ],
)
def test_a_period_badly_written_or_not_finished_is_refused(
    periodicity: str, period: str, today: date, message: str
) -> None:
    with pytest.raises(ComputationInputInvalid, match=message):
        _micro(periodicity).declare_turnover(period, D(1000), today)


def test_turnover_declarations_and_estimates_are_each_for_their_own_regime() -> None:
    with pytest.raises(ComputationInputInvalid, match="micro-entrepreneur"):
        _artisan().declare_turnover("2026-01", D(1000), date(2026, 3, 1))
    with pytest.raises(ComputationInputInvalid, match="estimation"):
        _micro().estimate(2026, D(1000), date(2026, 3, 1))


# -- relevé de carrière ----------------------------------------------------------------------


def test_the_career_shows_quarters_from_the_definitive_incomes_only() -> None:
    account = _artisan(
        incomes={2025: D(0), 2026: D(50000)},  # 2026 is an estimate
        definitive_years={2025},
    )
    [year] = account.career()
    assert (year.year, year.quarters) == (2025, 3)  # the minimum assiette validates 3
    assert year.retraite_base_assiette == D(5346)  # 450 × 11.88
    assert (
        year.retraite_base_contribution
        == compute_independant(2025, "artisan", D(0)).lines["retraite_base"]
    )
    account.definitive_years.add(2026)
    assert account.career()[1].quarters == 4


def test_an_echeancier_is_untouched_by_reading_it() -> None:
    account = _artisan(incomes={2026: D(40000)})
    assert account.schedule(2026) == echeancier(
        2026, compute_independant(2026, "artisan", D(40000)).total, "monthly", 5, "75"
    )
