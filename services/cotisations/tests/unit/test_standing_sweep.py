"""The standing published when the calendar moves it: the account's first standing on its first
sweep, an instalment falling due, then overdue the day after; nothing again while nothing moves, and
nothing for an account whose instalment was paid."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.cotisations import v1
from cotisations.domain import payment_commands as pay
from cotisations.domain.payments import commands
from cotisations_fakes import FakeCotisationsUow, agent, service

MARCH_5 = date(2026, 3, 5)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def published(uow: FakeCotisationsUow) -> list[tuple[str, str, str, bool]]:
    return [
        (e.affiliate_id, e.reason, e.standing.overdue, e.standing.up_to_date)
        for e in uow.outbox.of_type(v1.StandingChangedV1)
        if isinstance(e, v1.StandingChangedV1)
    ]


async def test_an_instalment_falls_due_then_overdue_each_published_once() -> None:
    svc = service()
    svc.open("aff-1", ledger_from=date(2026, 3, 1))
    svc.open("aff-2", ledger_from=date(2026, 3, 1))
    svc.clock.set(at(date(2026, 3, 4)))
    first = await svc.bus.handle(pay.SweepStandings())
    assert (first.accounts, first.published) == (2, 2)  # their first standings
    svc.clock.set(at(MARCH_5))
    await svc.bus.handle(
        commands.RecordPayment(
            agent(), "aff-2", "cheque", Decimal("114.75"), MARCH_5, "CHQ-1",
            "instalment:2026-03-05",
        )
    )  # fmt: skip
    called = await svc.bus.handle(pay.SweepStandings())
    assert called.published == 1  # aff-1 owes the instalment; aff-2 paid it
    again = await svc.bus.handle(pay.SweepStandings())
    assert again.published == 0  # nothing moved since
    svc.clock.set(at(date(2026, 3, 6)))
    overdue = await svc.bus.handle(pay.SweepStandings())
    assert overdue.published == 1
    assert [p for p in published(svc.uow) if p[0] == "aff-1"] == [
        ("aff-1", "opened", "0.00", True),
        ("aff-1", "called", "0.00", True),  # due today: not yet overdue
        ("aff-1", "overdue", "114.75", False),
    ]
    assert svc.uow.committed_ledgers["aff-1"][0].key == "call:2026-03-05"  # posted on the way


async def test_an_account_opened_since_the_days_sweep_gets_its_first_standing_next_tick() -> None:
    svc = service()
    svc.open("aff-1", ledger_from=date(2026, 3, 1))
    svc.clock.set(at(date(2026, 3, 4)))
    assert (await svc.bus.handle(pay.SweepStandings())).published == 1
    svc.open("aff-2", ledger_from=date(2026, 3, 4))  # the registry opens another the same day
    new = await svc.bus.handle(pay.SweepStandings(only_new=True))
    assert (new.accounts, new.published) == (1, 1)
    assert [p[:2] for p in published(svc.uow)] == [("aff-1", "opened"), ("aff-2", "opened")]
    assert (await svc.bus.handle(pay.SweepStandings(only_new=True))).accounts == 0
