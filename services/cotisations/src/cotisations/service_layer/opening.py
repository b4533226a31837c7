"""The balance carried from the former books: posted once per account by an agent, in the
transaction of the ``standing_changed`` it makes (attestations reads whether the account is
up to date from it) and of the standing recorded as published (the daily sweep then publishes
only what moves after)."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.problems import Forbidden

from cotisations.domain.payments import commands
from cotisations.domain.payments.calls import missing_calls
from cotisations.domain.payments.errors import OpeningBalanceRecorded
from cotisations.domain.payments.ledger import Entry, Standing, standing
from cotisations.domain.payments.opening import KEY, opening_entry
from cotisations.service_layer.handlers import Dependencies, account_with
from cotisations.service_layer.ports import CotisationsUnitOfWork
from cotisations.service_layer.standing_facts import account_facts, publish_if_moved


@dataclass(frozen=True)
class RecordedOpening:
    entry: Entry
    standing: Standing


async def record_opening_balance(
    cmd: commands.RecordOpeningBalance, uow: CotisationsUnitOfWork, deps: Dependencies
) -> RecordedOpening:
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "pay")
        if cmd.principal.actor != "agent":  # after access: a dossier out of reach stays 404
            raise Forbidden(
                "Seul un agent enregistre le solde repris des comptes antérieurs.",
                kind="agent-only",
            )
        ledger = await uow.ledgers.get(cmd.affiliate_id)
        if ledger.get(KEY) is not None:
            raise OpeningBalanceRecorded
        for call in missing_calls(account, ledger, today, deps.ledger_opens_on):
            ledger.post(call)
        entry = opening_entry(cmd.amount, cmd.due_date, cmd.external_reference, today)
        ledger.post(entry)
        await uow.ledgers.save(ledger)  # a concurrent one breaks the natural key: a 409
        after = standing(ledger.entries, today)
        facts = account_facts(account, ledger, today, deps.ledger_opens_on)
        await publish_if_moved(uow, cmd.affiliate_id, facts, now)
        await uow.commit()
    return RecordedOpening(entry, after)
