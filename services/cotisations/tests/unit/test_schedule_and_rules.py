"""Due dates, the échéancier rectificatif and the account's rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cotisations.domain.calendar import next_working_day
from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.rules import DebitDayChange, EstimateLock, periodicity_change_applies_from
from cotisations.domain.schedule import Instalment, due_dates, echeancier, revise


@pytest.mark.parametrize(
    ("nominal", "departement", "due"),
    [
        (date(2026, 4, 5), "75", date(2026, 4, 7)),  # Sunday, then Easter Monday
        (date(2026, 6, 20), "75", date(2026, 6, 22)),  # Saturday
        (date(2026, 9, 5), "75", date(2026, 9, 7)),  # Saturday
        (date(2025, 12, 26), "75", date(2025, 12, 26)),  # a Friday, worked in Paris
        (date(2025, 12, 26), "57", date(2025, 12, 29)),  # Saint-Étienne in Moselle
        (date(2025, 12, 26), "67", date(2025, 12, 29)),  # and in Alsace
        (date(2025, 12, 26), "68", date(2025, 12, 29)),
        (date(2026, 4, 3), "57", date(2026, 4, 7)),  # Good Friday in Moselle, then Easter
        (date(2026, 4, 3), "75", date(2026, 4, 3)),
        (date(2026, 7, 14), "75", date(2026, 7, 15)),
    ],
)
def test_a_due_date_moves_to_the_next_working_day_of_the_departement(
    nominal: date, departement: str, due: date
) -> None:
    assert next_working_day(nominal, departement) == due


def test_monthly_due_dates_on_the_fifth_of_2026_in_paris() -> None:
    dates = due_dates(2026, "monthly", 5, "75")
    assert dates[3] == date(2026, 4, 7)
    assert dates[8] == date(2026, 9, 7)
    assert [d.month for d in dates] == list(range(1, 13))


def test_quarterly_due_dates_are_5_february_may_august_november() -> None:
    assert due_dates(2026, "quarterly", 5, "75") == [
        date(2026, 2, 5), date(2026, 5, 5), date(2026, 8, 5), date(2026, 11, 5)
    ]  # fmt: skip


def test_cents_are_distributed_so_instalments_sum_exactly() -> None:
    instalments = echeancier(2026, Decimal("18741.00"), "monthly", 20, "75")
    assert [i.amount for i in instalments[:2]] == [Decimal("1561.75")] * 2
    assert sum(i.amount for i in instalments) == Decimal("18741.00")
    odd = echeancier(2026, Decimal("100.00"), "monthly", 5, "75")
    assert [i.amount for i in odd].count(Decimal("8.34")) == 4
    assert sum(i.amount for i in odd) == Decimal("100.00")


def test_an_invalid_debit_day_is_refused() -> None:
    with pytest.raises(ComputationInputInvalid):
        due_dates(2026, "monthly", 10, "75")


def test_the_rectificatif_replaces_instalments_at_least_15_days_away() -> None:
    current = echeancier(2026, Decimal("12000.00"), "monthly", 5, "75")
    revision = revise(current, Decimal("6000.00"), requested_on=date(2026, 3, 25))
    assert revision.effective_from == date(2026, 5, 5)
    assert len(revision.kept) == 4  # January to April: April 7 is 13 days away
    assert sum(i.amount for i in revision.instalments) == Decimal("6000.00")
    assert revision.credit == 0


def test_a_rectificatif_below_what_was_already_due_leaves_a_credit() -> None:
    current = [Instalment(date(2026, m, 5), Decimal("1000.00")) for m in range(1, 13)]
    revision = revise(current, Decimal("2500.00"), requested_on=date(2026, 4, 1))
    assert revision.credit == Decimal("1500.00")
    assert all(i.amount == 0 for i in revision.remaining)


def test_an_estimate_locks_the_function_for_one_month() -> None:
    lock = EstimateLock(date(2026, 1, 31))
    assert lock.unlocks_on() == date(2026, 2, 28)
    assert not lock.allows(date(2026, 2, 27))
    assert lock.allows(date(2026, 2, 28))
    assert EstimateLock(None).allows(date(2026, 1, 1))


def test_a_periodicity_change_applies_from_the_first_due_date_30_days_away() -> None:
    dates = due_dates(2026, "monthly", 5, "75")
    assert periodicity_change_applies_from(dates, date(2026, 3, 10)) == date(2026, 5, 5)


def test_the_debit_day_changes_once_per_calendar_year() -> None:
    assert DebitDayChange(None).allows(date(2026, 3, 1))
    assert not DebitDayChange(date(2026, 1, 10)).allows(date(2026, 11, 1))
    assert DebitDayChange(date(2025, 12, 10)).allows(date(2026, 1, 2))
