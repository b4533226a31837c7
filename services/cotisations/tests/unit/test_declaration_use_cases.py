"""Declarations and changes of terms through the bus, on fakes: the definitive income and its
regularisation, a micro-entrepreneur's turnover, the periodicity and the debit day; each with
its events in order, each refusal writing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from contracts.cotisations import v1
from cotisations.domain import commands
from cotisations.domain.errors import (
    ComputationInputInvalid,
    DebitDayLocked,
    IncomeAlreadyDeclared,
    PeriodAlreadyDeclared,
)
from cotisations.domain.independant import compute_independant
from cotisations_fakes import Service, assure, firm_user, service
from cotisations_samples import NOW
from servicekit.problems import Forbidden


def _types(svc: Service) -> list[type]:
    return [type(e.payload) for e in svc.uow.outbox.events]


# -- definitive income -----------------------------------------------------------------------


async def test_a_definitive_income_publishes_its_regularisation_then_the_revised_schedule() -> None:
    svc = service()
    svc.open("aff-1", incomes={2025: Decimal(20000)})
    called = sum(i.amount for i in svc.account("aff-1").schedule(2025))

    result = await svc.bus.handle(
        commands.DeclareIncome(assure(), "aff-1", 2025, Decimal("60000.00"))
    )

    r = result.regularisation
    assert r.outcome == "spread"
    assert r.definitive_total == compute_independant(2025, "artisan", Decimal(60000)).total
    assert r.called_total == called
    assert result.echeancier == svc.account("aff-1").schedule(2026)
    assert svc.account("aff-1").definitive_years == {2025}
    assert _types(svc) == [v1.IncomeDeclaredV1, v1.ScheduleRevisedV1]
    declared, revised = (e.payload for e in svc.uow.outbox.events)
    assert isinstance(declared, v1.IncomeDeclaredV1)
    assert isinstance(revised, v1.ScheduleRevisedV1)
    assert (declared.definitive_income, declared.balance) == ("60000.00", f"{r.balance:.2f}")
    assert (declared.due_date, declared.declared_at) == (r.due_date, NOW)
    assert revised.effective_from == r.due_date
    assert revised.annual_amount == f"{sum(i.amount for i in result.echeancier):.2f}"


async def test_a_refund_under_a_standing_estimate_changes_no_instalment_nor_publishes_one() -> None:
    svc = service()
    svc.open("aff-1", incomes={2025: Decimal(60000), 2026: Decimal(30000)})
    before = svc.account("aff-1").schedule(2026)

    result = await svc.bus.handle(commands.DeclareIncome(assure(), "aff-1", 2025, Decimal(10000)))

    assert result.regularisation.outcome == "refund"
    assert result.echeancier == before
    assert _types(svc) == [v1.IncomeDeclaredV1]


async def test_an_income_declared_twice_or_too_early_is_refused_and_writes_nothing() -> None:
    svc = service()
    svc.open("aff-1")
    await svc.bus.handle(commands.DeclareIncome(assure(), "aff-1", 2025, Decimal(30000)))
    written = len(svc.uow.outbox.events)

    with pytest.raises(IncomeAlreadyDeclared):
        await svc.bus.handle(commands.DeclareIncome(assure(), "aff-1", 2025, Decimal(31000)))
    with pytest.raises(ComputationInputInvalid, match="une fois l'année terminée"):
        await svc.bus.handle(commands.DeclareIncome(assure(), "aff-1", 2026, Decimal(31000)))

    assert (svc.uow.commits, len(svc.uow.outbox.events)) == (1, written)


# -- micro-entrepreneur ----------------------------------------------------------------------


async def test_a_declared_month_is_published_with_what_it_owes_and_when() -> None:
    svc = service()
    svc.open("aff-2", "micro_entrepreneur")

    declaration = await svc.bus.handle(
        commands.DeclareTurnover(assure("aff-2"), "aff-2", "2026-02", Decimal("2001.40"))
    )

    assert svc.account("aff-2").declarations == [declaration]
    [declared] = svc.uow.outbox.of_type(v1.TurnoverDeclaredV1)
    assert isinstance(declared, v1.TurnoverDeclaredV1)
    assert (declared.period, declared.turnover, declared.due_date) == (
        "2026-02",
        "2001.00",
        date(2026, 3, 31),
    )
    assert declared.amount == f"{declaration.amount:.2f}"
    published = len(svc.uow.outbox.events)  # the declaration, and the account's facts moved
    assert len(svc.uow.outbox.of_type(v1.StandingChangedV1)) == 1
    with pytest.raises(PeriodAlreadyDeclared):
        await svc.bus.handle(
            commands.DeclareTurnover(assure("aff-2"), "aff-2", "2026-02", Decimal(1))
        )
    assert len(svc.uow.outbox.events) == published  # a refused one publishes nothing


# -- periodicity and debit day ---------------------------------------------------------------


async def test_going_quarterly_publishes_the_new_terms_then_the_schedule_from_may() -> None:
    svc = service()
    svc.open("aff-1")
    year_total = sum(i.amount for i in svc.account("aff-1").schedule(2026))

    terms = await svc.bus.handle(commands.ChangePeriodicity(assure(), "aff-1", "quarterly"))

    assert (terms.periodicity, terms.effective_from) == ("quarterly", date(2026, 5, 5))
    assert terms.echeancier == svc.account("aff-1").schedule(2026)
    assert _types(svc) == [v1.PaymentTermsChangedV1, v1.ScheduleRevisedV1]
    changed, revised = (e.payload for e in svc.uow.outbox.events)
    assert isinstance(changed, v1.PaymentTermsChangedV1)
    assert isinstance(revised, v1.ScheduleRevisedV1)
    assert (changed.periodicity, changed.debit_day, changed.changed_at) == ("quarterly", 5, NOW)
    assert [i.due_date for i in revised.instalments] == [
        date(2026, 5, 5),
        date(2026, 8, 5),
        date(2026, 11, 5),
    ]
    assert revised.annual_amount == f"{year_total:.2f}"


async def test_terms_changed_too_late_in_the_year_apply_next_year_without_a_revised_schedule() -> (
    None
):
    svc = service()
    svc.open("aff-1")
    svc.clock.set(datetime(2026, 10, 20, 9, tzinfo=UTC))

    terms = await svc.bus.handle(commands.ChangePeriodicity(assure(), "aff-1", "quarterly"))

    assert terms.effective_from == date(2027, 2, 5)
    assert _types(svc) == [v1.PaymentTermsChangedV1]


async def test_the_debit_day_changes_once_a_year_and_needs_the_pay_right() -> None:
    svc = service()
    svc.open("aff-1")
    svc.uow.access.grant("cab-1", "aff-1")
    with pytest.raises(Forbidden, match="pay"):
        await svc.bus.handle(commands.ChangeDebitDay(firm_user("declare"), "aff-1", 20))

    terms = await svc.bus.handle(commands.ChangeDebitDay(firm_user("pay"), "aff-1", 20))
    assert (terms.debit_day, terms.effective_from) == (20, date(2026, 4, 20))

    with pytest.raises(DebitDayLocked) as locked:
        await svc.bus.handle(commands.ChangeDebitDay(assure(), "aff-1", 5))
    assert locked.value.unlocks_on == date(2027, 1, 1)
    assert svc.account("aff-1").debit_day == 20
    assert svc.uow.commits == 1
