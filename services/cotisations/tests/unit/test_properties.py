"""Properties of the engine that hold for any input (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.rates import YEARS
from cotisations.domain.schedule import echeancier, split
from hypothesis import given, settings
from hypothesis import strategies as st

years = st.sampled_from(sorted(YEARS))
incomes = st.decimals(min_value=-50_000, max_value=1_000_000, places=2, allow_nan=False)
turnovers = st.decimals(min_value=0, max_value=500_000, places=2, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(years, st.sampled_from(["artisan", "commercant", "liberal"]), incomes, st.booleans())
def test_independant_lines_sum_to_the_total_and_none_is_negative(
    year: int, activity: str, income: Decimal, acre: bool
) -> None:
    result = compute_independant(year, activity, income, acre=acre)
    assert sum(result.lines.values()) == result.total
    assert all(v >= 0 for v in result.lines.values())
    assert all(v == v.to_integral_value() for v in result.lines.values())


@settings(max_examples=300, deadline=None)
@given(
    years,
    st.sampled_from(["artisan", "commercant", "liberal"]),
    st.decimals(min_value=0, max_value=400_000, places=2),
    st.decimals(min_value=0, max_value=50_000, places=2),
)
def test_the_total_never_decreases_when_income_grows_above_the_minimum_bases(
    year: int, activity: str, base: Decimal, increase: Decimal
) -> None:
    floor = YEARS[year].pass_ * Decimal("0.4")
    low = floor + base
    assert (
        compute_independant(year, activity, low + increase).total
        >= compute_independant(year, activity, low).total
    )


@settings(max_examples=300, deadline=None)
@given(
    years,
    st.sampled_from(["vente", "services_bic", "bnc"]),
    st.sampled_from(["commerciale", "artisanale"]),
    turnovers,
    st.booleans(),
)
def test_micro_lines_sum_to_the_total_and_none_is_negative(
    year: int, activity: str, nature: str, turnover: Decimal, acre: bool
) -> None:
    result = compute_micro(year, activity, turnover, nature=nature, acre=acre)
    assert sum(result.lines.values()) == result.total
    assert all(v >= 0 for v in result.lines.values())
    assert result.lines["cotisations_sociales"] % 12 == 0


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=200_000, places=2), st.integers(1, 12))
def test_instalments_sum_exactly_to_the_amount_and_differ_by_a_cent_at_most(
    amount: Decimal, parts: int
) -> None:
    pieces = split(amount, parts)
    assert sum(pieces) == amount
    assert all(p >= 0 for p in pieces)
    assert max(pieces) - min(pieces) <= Decimal("0.01")


@settings(max_examples=100, deadline=None)
@given(
    years,
    st.decimals(min_value=0, max_value=100_000, places=2),
    st.sampled_from(["monthly", "quarterly"]),
    st.sampled_from([5, 20]),
    st.sampled_from(["75", "57", "67", "2A", "974"]),
)
def test_an_echeancier_sums_to_its_amount_on_working_days(
    year: int, amount: Decimal, periodicity: str, day: int, departement: str
) -> None:
    instalments = echeancier(year, amount, periodicity, day, departement)
    assert len(instalments) == (12 if periodicity == "monthly" else 4)
    assert sum(i.amount for i in instalments) == amount
    assert all(i.due_date.weekday() < 5 for i in instalments)
