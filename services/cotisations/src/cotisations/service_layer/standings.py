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

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from contracts.cotisations import v1
from servicekit.bulk import collector_paused
from servicekit.outbox import Outgoing

from cotisations.domain import payment_commands as cmds
from cotisations.domain.payments.calls import missing_calls
from cotisations.domain.payments.ledger import Ledger, standing
from cotisations.service_layer.handlers import Dependencies
from cotisations.service_layer.payments_integration import standing_fact
from cotisations.service_layer.ports import CotisationsUnitOfWork

SWEEP_PAGE = 2000
"""Accounts swept per transaction (memory and lock time stay bounded)."""


@dataclass(frozen=True)
class StandingSweep:
    on: date
    accounts: int
    published: int


def facts_of(fact: v1.AccountStanding) -> str:
    """What is compared from one day to the next: the standing without its date."""
    return json.dumps(fact.model_dump(mode="json", exclude={"as_of"}), sort_keys=True)


Reason = Literal["opened", "called", "overdue", "changed"]


def reason_for(before: str | None, fact: v1.AccountStanding) -> Reason:
    if before is None:
        return "opened"
    previous = json.loads(before)
    if fact.overdue != previous["overdue"] and not fact.up_to_date:
        return "overdue"
    if fact.balance_due != previous["balance_due"]:
        return "called"
    return "changed"


def standing_changed(
    affiliate_id: str, fact: v1.AccountStanding, before: str | None, at: datetime
) -> v1.StandingChangedV1:
    return v1.StandingChangedV1(
        affiliate_id=affiliate_id,
        standing=fact,
        reason=reason_for(before, fact),
        changed_at=at,
    )


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
        fact = standing_fact(standing(ledger.entries, today))
        facts = facts_of(fact)
        if before.get(affiliate_id) == facts:
            continue
        changed[affiliate_id] = facts
        event = standing_changed(affiliate_id, fact, before.get(affiliate_id), now)
        events.append(Outgoing(event, affiliate_id))
    await uow.ledgers.save_many(touched)
    await uow.outbox.add_many(events)
    await uow.standings.put_many(changed)
    return len(events)
