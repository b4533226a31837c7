"""Income estimates through the bus, on fakes: applied at once with its two events, locked for
a month, previewed without writing, for whoever may act on the affilié with ``declare``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from contracts.common import Recipient
from contracts.cotisations import v1
from cotisations.domain import commands
from cotisations.domain.errors import AccountNotFound, EstimateLocked
from cotisations_fakes import agent, assure, firm_user, service
from cotisations_samples import NOW
from servicekit.auth import Principal
from servicekit.problems import Forbidden, NotFound

INCOME = Decimal("42000.00")


def _apply(who: Principal | None = None) -> commands.ApplyEstimate:
    principal = who or assure(email="jean@dupont.fr", name="Jean Dupont")
    return commands.ApplyEstimate(principal, "aff-1", 2026, INCOME)


async def test_an_applied_estimate_commits_the_rectificatif_and_publishes_it_to_notifications() -> (
    None
):
    svc = service()
    svc.open("aff-1")

    result = await svc.bus.handle(_apply())

    assert result.estimate.computation.total == Decimal(18741)
    account = svc.account("aff-1")
    assert account.incomes == {2026: INCOME}
    assert account.last_estimate_on == date(2026, 3, 1)
    assert sum(i.amount for i in account.schedule(2026)) == Decimal(18741)
    assert svc.uow.commits == 1
    applied, revised = (e.payload for e in svc.uow.outbox.events)
    assert isinstance(applied, v1.EstimateAppliedV1)
    assert isinstance(revised, v1.ScheduleRevisedV1)
    assert applied.requested_by == Recipient(email="jean@dupont.fr", display_name="Jean Dupont")
    assert (applied.client_name, applied.estimated_income, applied.annual_amount) == (
        "Jean Dupont",
        "42000.00",
        "18741.00",
    )
    assert applied.effective_from == date(2026, 4, 7)  # 5 April a Sunday, then Easter Monday
    assert (applied.applied_at, revised.revised_at) == (NOW, NOW)
    assert revised.effective_from == applied.effective_from
    assert len(revised.instalments) == 9  # April to December
    assert revised.annual_amount == "18741.00"
    assert revised.reference == "ECH-2026-aff-1-20260301"
    assert {e.subject for e in svc.uow.outbox.events} == {"aff-1"}


async def test_a_second_estimate_within_the_month_says_until_when_and_writes_nothing() -> None:
    svc = service()
    svc.open("aff-1")
    await svc.bus.handle(_apply())

    with pytest.raises(EstimateLocked) as locked:
        await svc.bus.handle(_apply())

    assert locked.value.unlocks_on == date(2026, 4, 1)
    assert (svc.uow.commits, len(svc.uow.outbox.events)) == (1, 2)
    svc.clock.advance(timedelta(days=31))
    await svc.bus.handle(_apply())
    assert len(svc.uow.outbox.events) == 4


async def test_a_preview_shows_the_same_estimate_and_writes_nothing() -> None:
    svc = service()
    svc.open("aff-1")

    preview = await svc.queries.handle(commands.PreviewEstimate(assure(), "aff-1", 2026, INCOME))

    assert preview.estimate.computation.total == Decimal(18741)
    assert preview.estimate.revision.effective_from == date(2026, 4, 7)
    assert (svc.uow.commits, svc.uow.outbox.events) == (0, [])
    assert svc.account("aff-1").incomes == {}


async def test_a_firm_user_needs_its_firms_access_then_the_declare_right() -> None:
    svc = service()
    svc.open("aff-1")
    with pytest.raises(NotFound):
        await svc.bus.handle(_apply(firm_user("declare")))
    svc.uow.access.grant("cab-1", "aff-1")
    with pytest.raises(Forbidden, match="declare"):
        await svc.bus.handle(_apply(firm_user("read")))

    await svc.bus.handle(_apply(firm_user("declare")))

    applied = svc.uow.outbox.of_type(v1.EstimateAppliedV1)[0]
    assert isinstance(applied, v1.EstimateAppliedV1)
    assert applied.requested_by == Recipient(email="", display_name="paul")  # no name: the id


async def test_an_affilie_without_an_account_gets_account_not_found() -> None:
    svc = service()
    with pytest.raises(AccountNotFound):
        await svc.bus.handle(_apply(agent()))
    assert svc.uow.outbox.events == []
