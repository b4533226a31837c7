"""An account's facts as published to its readers (``standing_changed``): its standing and
the declarations it misses, compared with the last published so that each move is published
once, whoever makes it (the daily sweep, or a write that moves them at once)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from contracts.cotisations import v1

from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.calls import ledger_start
from cotisations.domain.payments.ledger import Ledger, standing
from cotisations.service_layer.payments_integration import standing_fact
from cotisations.service_layer.ports import CotisationsUnitOfWork


def facts_of(fact: v1.AccountStanding, missing: Sequence[str] = ()) -> str:
    """What is compared from one day to the next: the standing without its date, and the
    declarations missing (by a digest: the row stays short whatever their number)."""
    facts: dict[str, object] = fact.model_dump(mode="json", exclude={"as_of"})
    if missing:
        facts["missing_declarations"] = hashlib.sha256(",".join(missing).encode()).hexdigest()[:16]
    return json.dumps(facts, sort_keys=True)


@dataclass(frozen=True)
class Facts:
    """An account's standing as published, and the declarations it misses."""

    standing: v1.AccountStanding
    missing: list[str]

    @property
    def compared(self) -> str:
        return facts_of(self.standing, self.missing)


def account_facts(
    account: ContributionAccount, ledger: Ledger, today: date, opens_on: date
) -> Facts:
    return Facts(
        standing_fact(standing(ledger.entries, today)),
        account.missing_declarations(today, ledger_start(account, opens_on)),
    )


async def publish_if_moved(
    uow: CotisationsUnitOfWork, account_id: str, facts: Facts, now: datetime
) -> bool:
    """``standing_changed`` for one account whose facts differ from the last published (a
    write that moves them — a declaration received, a balance carried — tells attestations at
    once, not at the next sweep); in the caller's transaction."""
    before = (await uow.standings.get_many([account_id])).get(account_id)
    if before == facts.compared:
        return False
    event = standing_changed(account_id, facts, before, now)
    await uow.outbox.add(event, subject=account_id)
    await uow.standings.put_many({account_id: facts.compared})
    return True


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
    affiliate_id: str, facts: Facts, before: str | None, at: datetime
) -> v1.StandingChangedV1:
    return v1.StandingChangedV1(
        affiliate_id=affiliate_id,
        standing=facts.standing,
        reason=reason_for(before, facts.standing),
        missing_declarations=facts.missing,
        changed_at=at,
    )
