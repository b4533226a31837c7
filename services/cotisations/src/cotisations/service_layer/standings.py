"""The account's standing published when it moves without a payment: at opening, when an
instalment falls due, when one left unpaid becomes overdue (``standing_changed``).

The payment events carry the standing of the moment they are written; time moves it too — an
instalment called, then overdue the day after its due date — and a reader deciding whether the
affilié is up to date (the attestation de vigilance) must not keep a standing the calendar has
made wrong. Each day the worker's sweep computes every account's standing (the calls fallen
due posted to the ledger on the way) and publishes ``standing_changed`` for those whose facts
differ from the last it published — an account's first sweep publishes its first standing
(``opened``) — ; the facts published are kept per account, so a second sweep the same day, or
a second worker, publishes nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from servicekit.bulk import collector_paused
from servicekit.outbox import Outgoing

from cotisations.domain import payment_commands as cmds
from cotisations.domain.payments.calls import missing_calls
from cotisations.domain.payments.ledger import Ledger
from cotisations.service_layer.handlers import Dependencies
from cotisations.service_layer.ports import CotisationsUnitOfWork
from cotisations.service_layer.standing_facts import account_facts, standing_changed

SWEEP_PAGE = 2000
"""Accounts swept per transaction (memory and lock time stay bounded)."""


@dataclass(frozen=True)
class StandingSweep:
    on: date
    accounts: int
    published: int


async def sweep_standings(
    cmd: cmds.SweepStandings, uow: CotisationsUnitOfWork, deps: Dependencies
) -> StandingSweep:
    """Every account, a page per transaction: the calls fallen due posted, the standing
    computed, ``standing_changed`` published where the facts moved."""
    now = deps.clock.now()
    today = now.date()
    after: str | None = None
    swept = published = 0
    with collector_paused():
        while True:
            async with uow:
                if cmd.only_new:
                    ids = await uow.standings.unpublished_after(after, SWEEP_PAGE)
                else:
                    ids = await uow.accounts.ids_after(after, SWEEP_PAGE)
                if not ids:
                    break
                published += await _sweep_page(uow, deps, ids, today, now)
                await uow.commit()
            swept += len(ids)
            after = ids[-1]
    return StandingSweep(today, swept, published)


async def _sweep_page(
    uow: CotisationsUnitOfWork,
    deps: Dependencies,
    ids: list[str],
    today: date,
    now: datetime,
) -> int:
    accounts = await uow.accounts.get_many(ids)
    ledgers = await uow.ledgers.get_many(ids)
    before = await uow.standings.get_many(ids)
    touched: list[Ledger] = []
    changed: dict[str, str] = {}
    events: list[Outgoing] = []
    for affiliate_id in ids:
        account = accounts.get(affiliate_id)
        if account is None:
            continue
        ledger = ledgers.get(affiliate_id) or Ledger(affiliate_id)
        for call in missing_calls(account, ledger, today, deps.ledger_opens_on):
            ledger.post(call)
        if ledger.posted_keys:
            touched.append(ledger)
        facts = account_facts(account, ledger, today, deps.ledger_opens_on)
        if before.get(affiliate_id) == facts.compared:
            continue
        changed[affiliate_id] = facts.compared
        event = standing_changed(affiliate_id, facts, before.get(affiliate_id), now)
        events.append(Outgoing(event, affiliate_id))
    await uow.ledgers.save_many(touched)
    await uow.outbox.add_many(events)
    await uow.standings.put_many(changed)
    return len(events)
