"""What the account shows, on a read-only unit of work (``bootstrap.QUERIES``): the year's
contributions and échéancier, an estimate's preview, the relevé de carrière."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cotisations.domain import commands
from cotisations.domain.account import ContributionAccount
from cotisations.domain.career import CareerYear
from cotisations.domain.errors import CareerAssureOnly
from cotisations.domain.payments.calls import ledger_start, with_calls
from cotisations.domain.payments.direct_debit import in_force
from cotisations.domain.payments.ledger import (
    Entry,
    Standing,
    instalment_ref,
    paid_towards,
    standing,
)
from cotisations.domain.rates import constants
from cotisations.domain.schedule import Instalment
from cotisations.service_layer.handlers import Dependencies, EstimateResult, account_with
from cotisations.service_layer.ports import CotisationsUnitOfWork


@dataclass(frozen=True)
class AccountView:
    account: ContributionAccount
    year: int
    today: date
    lines: dict[str, Decimal]
    echeancier: list[Instalment]
    standing: Standing
    """What the ledger says of each instalment and debt (paid, pending, rejected, due…)."""
    on_direct_debit: bool = False
    ledger_from: date = date(2026, 1, 1)
    """The first day the ledger calls for this account: an instalment due before it is in the
    books this one replaced."""
    ahead: dict[str, tuple[Decimal, bool]] = field(default_factory=dict)
    """For an instalment not called yet that payments already name (a telepayment made in its
    window, a cheque sent early): what they pay of it, and whether one is still pending."""


async def read_account(
    cmd: commands.ReadAccount, uow: CotisationsUnitOfWork, deps: Dependencies
) -> AccountView:
    """The account, for the assuré, an agent, or a firm user with an active mandate and
    portfolio access (``read``); 404 otherwise."""
    today = deps.clock.now().date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "read")
        ledger = await uow.ledgers.get(cmd.affiliate_id)
        mandate = in_force(await uow.mandates.of_account(cmd.affiliate_id), today)
    year = cmd.year or today.year
    constants(year)  # a year the rules cover, or the refusal names those they do
    entries = with_calls(account, ledger, today, deps.ledger_opens_on)
    echeancier = account.schedule(year)
    return AccountView(
        account,
        year,
        today,
        account.year_lines(year),
        echeancier,
        standing(entries, today),
        mandate is not None,
        ledger_start(account, deps.ledger_opens_on),
        _paid_ahead(entries, [instalment_ref(i.due_date) for i in echeancier]),
    )


def _paid_ahead(entries: list[Entry], references: list[str]) -> dict[str, tuple[Decimal, bool]]:
    called = {e.obligation for e in entries if e.kind == "call"}
    ahead: dict[str, tuple[Decimal, bool]] = {}
    for ref in references:
        if ref in called:
            continue
        paid = paid_towards(entries, ref)
        if paid > 0:
            pending = any(
                e.kind == "payment" and e.obligation == ref and e.status == "pending"
                for e in entries
            )
            ahead[ref] = (paid, pending)
    return ahead


async def preview_estimate(
    cmd: commands.PreviewEstimate, uow: CotisationsUnitOfWork, deps: Dependencies
) -> EstimateResult:
    """What the estimate would change; nothing is written."""
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "declare")
    estimate = account.estimate(cmd.year, cmd.income, deps.clock.now().date())
    return EstimateResult(cmd.affiliate_id, estimate)


async def read_career(
    cmd: commands.ReadCareer, uow: CotisationsUnitOfWork, deps: Dependencies
) -> list[CareerYear]:
    """The relevé de carrière, shown to the assuré only: a firm user without access gets 404
    as for any dossier, anyone else but the assuré 403."""
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "read")
    if cmd.principal.actor != "assure":
        raise CareerAssureOnly
    return account.career()
