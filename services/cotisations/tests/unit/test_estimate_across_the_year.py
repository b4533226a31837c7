"""Which year an income estimate is of, across the year (docs/rules.md §6.4): the current year
while one of its instalments is at least 15 days away, then the next one, whose provisional
échéancier the estimate rectifies; each refusal says which year may be estimated and, for the
next one, from which day, written the French way."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from contracts.cotisations import v1
from cotisations.domain import commands
from cotisations.domain.account import ContributionAccount
from cotisations.domain.errors import ComputationInputInvalid, EstimateLocked, EstimateYearNotOpen
from cotisations.domain.events import PaymentTermsChanged, Requester, ScheduleRevised
from cotisations.domain.independant import compute_independant
from cotisations.domain.rates import YEARS
from cotisations.domain.terms import ScheduleChange
from cotisations_fakes import assure, service

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
SOMEONE = Requester(email="jean@dupont.fr", display_name="Jean Dupont")


def _artisan(**values: object) -> ContributionAccount:
    account = ContributionAccount(
        affiliate_id="aff-1", category="artisan", departement="75", opened_on=date(2024, 3, 1)
    )
    for name, value in values.items():
        setattr(account, name, value)
    return account


@pytest.mark.parametrize(
    ("terms", "last_day_of_the_year", "next_year_from"),
    [
        # 5 December 2026 is a Saturday: the last instalment is on Monday 7 December
        ({}, date(2026, 11, 22), date(2026, 11, 23)),
        # 20 December 2026 is a Sunday: Monday 21 December
        ({"debit_day": 20}, date(2026, 12, 6), date(2026, 12, 7)),
        # 5 November 2026, a Thursday
        ({"periodicity": "quarterly"}, date(2026, 10, 21), date(2026, 10, 22)),
    ],
)
def test_the_next_year_opens_the_day_the_last_instalment_falls_within_15_days(
    terms: dict[str, object], last_day_of_the_year: date, next_year_from: date
) -> None:
    account = _artisan(**terms)
    assert account.estimable_year(date(2026, 1, 1)) == 2026
    assert account.estimable_year(last_day_of_the_year) == 2026
    assert account.estimable_year(next_year_from) == 2027
    assert account.estimable_year(date(2026, 12, 31)) == 2027
    assert account.estimable_year(date(2027, 1, 1)) == 2027


def test_in_december_the_estimate_of_next_year_is_its_provisional_echeancier() -> None:
    account = _artisan()
    today = date(2026, 12, 20)

    estimate = account.estimate(2027, Decimal(42000), today)

    total = compute_independant(2027, "artisan", Decimal(42000)).total
    assert estimate.computation.total == total
    assert estimate.revision.effective_from == date(2027, 1, 5)  # 16 days away: rectified
    assert len(estimate.revision.remaining) == 12
    assert sum(i.amount for i in estimate.revision.remaining) == total
    before_2026 = account.schedule(2026)
    account.apply_estimate(estimate, today, requested_by=SOMEONE)
    assert account.schedule(2027) == estimate.revision.instalments
    assert account.schedule(2026) == before_2026  # what 2026 called stays as it was
    assert account.incomes == {2027: Decimal(42000)}


def test_an_instalment_of_next_year_within_15_days_is_kept() -> None:
    account = _artisan(incomes={2026: Decimal(30000)})
    estimate = account.estimate(2027, Decimal(42000), date(2026, 12, 24))
    kept = estimate.revision.kept
    assert [i.due_date for i in kept] == [date(2027, 1, 5)]  # 12 days away
    assert kept[0] == account.schedule(2027)[0]  # on the latest income known: 2026's
    assert estimate.revision.effective_from == date(2027, 2, 5)


def test_in_december_the_current_year_is_refused_with_its_last_due_date_in_french() -> None:
    account = _artisan()
    with pytest.raises(EstimateYearNotOpen) as refused:
        account.estimate(2026, Decimal(42000), date(2026, 12, 20))
    message = refused.value.message
    assert "le 7 décembre 2026" in message
    assert "15 jours" in message
    assert "vos revenus 2027" in message
    assert not ISO.search(message)
    assert (refused.value.field, refused.value.estimable_year) == ("year", 2027)


def test_before_the_15_day_notice_next_year_is_refused_with_the_day_it_opens() -> None:
    account = _artisan()
    with pytest.raises(EstimateYearNotOpen) as refused:
        account.estimate(2027, Decimal(42000), date(2026, 3, 1))
    assert "à partir du 23 novembre 2026" in refused.value.message
    assert "vos revenus 2026" in refused.value.message
    assert refused.value.opens_on == date(2026, 11, 23)
    assert not ISO.search(refused.value.message)


@pytest.mark.parametrize(
    ("year", "words"),
    [
        (2026, "L'année 2026 est terminée"),
        (2028, "Vos revenus 2028 pourront être estimés à partir du 22 novembre 2027"),
        (2031, "Vos revenus 2031 ne peuvent pas encore être estimés"),
        (1000, "L'année 1000 est terminée"),
    ],
)
def test_in_january_only_the_current_year_may_be_estimated(year: int, words: str) -> None:
    account = _artisan()
    with pytest.raises(EstimateYearNotOpen) as refused:
        account.estimate(year, Decimal(42000), date(2027, 1, 10))
    assert words in refused.value.message  # 5 December 2027 a Sunday: the 6th, less 14 days
    assert "aujourd'hui, l'estimation porte sur vos revenus 2027" in refused.value.message
    assert account.estimate(2027, Decimal(42000), date(2027, 1, 10)).year == 2027


@pytest.mark.parametrize(
    ("change", "dates"),
    [
        (
            lambda a, today: a.change_periodicity("quarterly", today),
            [date(2027, 2, 5), date(2027, 5, 5), date(2027, 8, 5), date(2027, 11, 5)],
        ),
        (lambda a, today: a.change_debit_day(20, today), None),
    ],
)
def test_next_years_estimated_echeancier_follows_a_change_of_terms_made_in_december(
    change: Callable[[ContributionAccount, date], ScheduleChange], dates: list[date] | None
) -> None:
    account = _artisan()
    today = date(2026, 12, 20)
    estimate = account.estimate(2027, Decimal(42000), today)
    account.apply_estimate(estimate, today, SOMEONE)
    account.events.clear()

    account.apply_change(change(account, today), today)

    schedule = account.schedule(2027)
    assert sum(i.amount for i in schedule) == estimate.computation.total
    if dates is not None:
        assert [i.due_date for i in schedule] == dates
    else:
        assert len(schedule) == 12
        assert {i.due_date.day for i in schedule} <= {20, 21, 22}  # moved to working days
    terms, revised = account.events
    assert isinstance(terms, PaymentTermsChanged)
    assert isinstance(revised, ScheduleRevised)
    assert (revised.year, revised.instalments) == (2027, tuple(schedule))


def test_a_closed_account_has_nothing_left_to_rectify() -> None:
    account = _artisan(closed_on=date(2026, 6, 30))
    assert account.estimate(2026, Decimal(1), date(2026, 5, 1)).year == 2026
    for today in (date(2026, 6, 1), date(2026, 12, 20)):
        with pytest.raises(ComputationInputInvalid, match="fermé") as refused:
            account.estimate(2027, Decimal(1), today)
        assert "30 juin 2026" in refused.value.message


def test_the_years_after_the_published_ones_carry_their_values_until_they_are_published() -> None:
    assert not YEARS[2026].provisional
    assert YEARS[2027].provisional
    assert {**vars(YEARS[2027]), "year": 2026, "provisional": False} == vars(YEARS[2026])


def test_the_lock_after_an_estimate_spans_the_turn_of_the_year() -> None:
    account = _artisan()
    account.apply_estimate(
        account.estimate(2027, Decimal(42000), date(2026, 12, 20)), date(2026, 12, 20), SOMEONE
    )
    with pytest.raises(EstimateLocked) as locked:
        account.estimate(2027, Decimal(40000), date(2027, 1, 10))
    assert locked.value.unlocks_on == date(2027, 1, 20)
    assert "à partir du 20 janvier 2027" in locked.value.message


async def test_through_the_bus_a_december_estimate_publishes_next_years_schedule() -> None:
    svc = service()
    svc.open("aff-1")
    svc.clock.set(datetime(2026, 12, 20, 9, tzinfo=UTC))

    await svc.bus.handle(commands.ApplyEstimate(assure(), "aff-1", 2027, Decimal(42000)))

    revised = svc.uow.outbox.of_type(v1.ScheduleRevisedV1)[0]
    assert isinstance(revised, v1.ScheduleRevisedV1)
    assert (revised.year, revised.effective_from, len(revised.instalments)) == (
        2027,
        date(2027, 1, 5),
        12,
    )
    with pytest.raises(EstimateYearNotOpen):
        await svc.queries.handle(commands.PreviewEstimate(assure(), "aff-1", 2026, Decimal(42000)))
