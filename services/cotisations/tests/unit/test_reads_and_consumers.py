"""What the account shows (through the query bus, on fakes), and what the worker does with the
registry's and the mandates' events: each applied once, in the same commit as its inbox row."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from contracts.identity import v1 as identity_v1
from cotisations.domain import commands
from cotisations.domain.errors import CareerAssureOnly, ComputationInputInvalid
from cotisations.service_layer import consumers
from cotisations_fakes import FakeCotisationsUow, agent, assure, firm_user, service
from cotisations_samples import activated, affiliate, event
from servicekit.problems import NotFound

# -- reads -----------------------------------------------------------------------------------


async def test_the_account_is_read_for_the_clocks_year_unless_another_is_asked() -> None:
    svc = service()
    svc.open("aff-1")

    view = await svc.queries.handle(commands.ReadAccount(assure(), "aff-1"))
    assert (view.year, view.today) == (2026, date(2026, 3, 1))
    assert sum(view.lines.values()) == Decimal(1377)  # the minimum contributions of 2026
    assert len(view.echeancier) == 12

    earlier = await svc.queries.handle(commands.ReadAccount(agent(), "aff-1", 2025))
    assert earlier.year == 2025
    with pytest.raises(ComputationInputInvalid, match="pas couverte"):
        await svc.queries.handle(commands.ReadAccount(agent(), "aff-1", 2024))
    assert svc.uow.commits == 0


async def test_the_career_is_shown_to_the_assure_alone() -> None:
    svc = service()
    svc.open("aff-1", incomes={2025: Decimal(5000)}, definitive_years={2025})
    [year] = await svc.queries.handle(commands.ReadCareer(assure(), "aff-1"))
    assert (year.year, year.quarters) == (2025, 3)

    with pytest.raises(CareerAssureOnly):
        await svc.queries.handle(commands.ReadCareer(agent(), "aff-1"))
    with pytest.raises(NotFound):  # a firm without access: the dossier is not revealed
        await svc.queries.handle(commands.ReadCareer(firm_user("read"), "aff-1"))


# -- consumers -------------------------------------------------------------------------------

TAKEN_OVER = date(2026, 3, 2)
"""The business date the registry's records reach cotisations."""


async def test_a_registry_record_opens_an_account_for_a_contributing_category_only() -> None:
    uow = FakeCotisationsUow()
    await consumers.on_affiliate(event(affiliate("aff-1", "artisan")), uow, TAKEN_OVER)
    await consumers.on_affiliate(event(affiliate("aff-2", "retraite")), uow, TAKEN_OVER)

    assert set(uow.committed) == {"aff-1"}
    account = uow.committed["aff-1"]
    assert (account.departement, account.opened_on) == ("57", date(2020, 1, 1))
    assert account.ledger_from == TAKEN_OVER  # what fell due before: the books it replaces
    assert uow.commits == 2  # the retiree's record is consumed too, with nothing to open


async def test_a_radiation_closes_the_account_and_a_replayed_record_does_not_reopen_it() -> None:
    uow = FakeCotisationsUow()
    registered = event(affiliate("aff-1", "artisan"))
    radiated = event(
        identity_v1.AffiliateRadiatedV1(
            **{**affiliate("aff-1", "artisan").model_dump(), "radiated_on": date(2026, 6, 30)}
        )
    )
    for delivered in (registered, radiated, registered):
        await consumers.on_affiliate(delivered, uow, TAKEN_OVER)
    again = replace(registered, envelope=registered.envelope.model_copy(update={"id": "other"}))
    await consumers.on_affiliate(again, uow, TAKEN_OVER)

    assert uow.committed["aff-1"].closed_on == date(2026, 6, 30)
    assert uow.commits == 3  # the second delivery of ``registered`` is skipped


async def test_the_records_of_one_fetch_are_applied_in_order_in_one_commit() -> None:
    uow = FakeCotisationsUow()
    record = event(affiliate("aff-1", "artisan"))
    await consumers.on_affiliates(
        [
            record,
            event(affiliate("aff-3", "commercant")),
            event(affiliate("aff-1", "artisan", radiated_on=date(2026, 6, 30))),
            record,
        ],
        uow,
        TAKEN_OVER,
    )
    assert uow.commits == 1
    assert uow.committed["aff-1"].closed_on == date(2026, 6, 30)
    assert uow.committed["aff-3"].category == "commercant"


async def test_an_access_event_delivered_twice_is_applied_once() -> None:
    uow = FakeCotisationsUow()
    delivered = event(activated())
    await consumers.on_access_event(delivered, uow)
    await consumers.on_access_event(delivered, uow)
    await consumers.on_access_events([delivered, event(activated("aff-2"))], uow)
    assert len(uow.access.applied) == 2
