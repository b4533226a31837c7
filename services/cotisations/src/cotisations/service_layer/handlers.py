"""Use cases: load the account the caller may act on, call the domain, write the outgoing
events to the outbox, commit. Each takes one command (``bootstrap.HANDLERS``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from servicekit.auth import Principal, Right
from servicekit.clock import Clock

from cotisations.domain import commands
from cotisations.domain.account import ContributionAccount, Estimate, plausible_affiliate_id
from cotisations.domain.declarations import PeriodDeclaration
from cotisations.domain.errors import AccountNotFound
from cotisations.domain.events import Requester, ScheduleRevised
from cotisations.domain.payments.calls import missing_calls
from cotisations.domain.regularisation import Regularisation
from cotisations.domain.schedule import Instalment
from cotisations.domain.terms import ScheduleChange
from cotisations.service_layer.integration import to_integration
from cotisations.service_layer.ports import BankChannel, CotisationsUnitOfWork, DebitFileWriter
from cotisations.service_layer.prenotification import prenotify_revision
from cotisations.service_layer.standing_facts import account_facts, publish_if_moved


@dataclass(frozen=True)
class Creditor:
    """Who collects the debits: the SEPA creditor identifier and name (settings)."""

    identifier: str = "FR72ZZZ123456"
    name: str = "URSSAF Mon compte"


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    creditor: Creditor = Creditor()
    ledger_opens_on: date = date(2026, 1, 1)
    """The first due date the ledger calls (earlier ones were settled in the former books)."""
    debit_writer: DebitFileWriter | None = None
    bank: BankChannel | None = None


@dataclass(frozen=True)
class EstimateResult:
    affiliate_id: str
    estimate: Estimate


@dataclass(frozen=True)
class IncomeResult:
    regularisation: Regularisation
    echeancier: list[Instalment]
    """The current year's instalments now."""


@dataclass(frozen=True)
class TermsResult:
    periodicity: str
    debit_day: int
    effective_from: date
    echeancier: list[Instalment]
    """The current year's instalments now."""


async def account_with(
    principal: Principal, affiliate_id: str, uow: CotisationsUnitOfWork, right: Right
) -> ContributionAccount:
    """Inside an open unit of work: the account once ``principal`` may act with ``right``
    (delegated access answers 404 or 403 otherwise). An id no affilié can have (a control
    character, too long) is not looked for: no such account."""
    if not plausible_affiliate_id(affiliate_id):
        raise AccountNotFound
    await uow.access.require(principal, affiliate_id, right)
    account = await uow.accounts.get(affiliate_id)
    if account is None:
        raise AccountNotFound
    return account


async def save(
    uow: CotisationsUnitOfWork, account: ContributionAccount, at: datetime, deps: Dependencies
) -> None:
    """The account as it now is, and the events it recorded, in the outbox; when amounts
    changed on an account on direct debit, the debits pre-notified again."""
    await uow.accounts.save(account)
    revised = [e.effective_from for e in account.events if isinstance(e, ScheduleRevised)]
    for event in account.events:
        outgoing = to_integration(event, at)
        await uow.outbox.add(outgoing.payload, subject=outgoing.subject)
    account.events.clear()
    if revised:
        await prenotify_revision(uow, account, min(revised), deps.creditor.name, at)


def requester(principal: Principal) -> Requester:
    return Requester(email=principal.email or "", display_name=principal.name or principal.subject)


async def apply_estimate(
    cmd: commands.ApplyEstimate, uow: CotisationsUnitOfWork, deps: Dependencies
) -> EstimateResult:
    """The échéancier rectificatif replaces the remaining instalments at once; the estimate
    is confirmed to whoever asked and the new schedule sent to the client (through
    notifications); then the function is locked for a month."""
    now = deps.clock.now()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "declare")
        estimate = account.estimate(cmd.year, cmd.income, now.date())
        account.apply_estimate(estimate, now.date(), requester(cmd.principal))
        await save(uow, account, now, deps)
        await uow.commit()
    return EstimateResult(cmd.affiliate_id, estimate)


async def declare_income(
    cmd: commands.DeclareIncome, uow: CotisationsUnitOfWork, deps: Dependencies
) -> IncomeResult:
    """The definitive income of a finished year: its regularisation, and the current year's
    instalments that carry the balance."""
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "declare")
        carried = account.declare_income(cmd.year, cmd.income, today)
        account.apply_income(carried, today)
        await save(uow, account, now, deps)
        await uow.commit()
    return IncomeResult(carried.regularisation, account.schedule(today.year))


async def declare_turnover(
    cmd: commands.DeclareTurnover, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PeriodDeclaration:
    now = deps.clock.now()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "declare")
        declaration = account.declare_turnover(cmd.period, cmd.turnover, now.date())
        account.apply_turnover(declaration)
        await save(uow, account, now, deps)
        ledger = await uow.ledgers.get(account.affiliate_id)
        for call in missing_calls(account, ledger, now.date(), deps.ledger_opens_on):
            ledger.post(call)
        await uow.ledgers.save(ledger)
        facts = account_facts(account, ledger, now.date(), deps.ledger_opens_on)
        await publish_if_moved(uow, account.affiliate_id, facts, now)  # attestations at once
        await uow.commit()
    return declaration


async def change_periodicity(
    cmd: commands.ChangePeriodicity, uow: CotisationsUnitOfWork, deps: Dependencies
) -> TermsResult:
    """Monthly ↔ quarterly (direct debit: the ``pay`` right)."""
    return await _change_terms(
        cmd.principal,
        cmd.affiliate_id,
        uow,
        deps,
        lambda account, today: account.change_periodicity(cmd.periodicity, today),
    )


async def change_debit_day(
    cmd: commands.ChangeDebitDay, uow: CotisationsUnitOfWork, deps: Dependencies
) -> TermsResult:
    """The 5th ↔ the 20th (direct debit: the ``pay`` right)."""
    return await _change_terms(
        cmd.principal,
        cmd.affiliate_id,
        uow,
        deps,
        lambda account, today: account.change_debit_day(cmd.debit_day, today),
    )


async def _change_terms(
    principal: Principal,
    affiliate_id: str,
    uow: CotisationsUnitOfWork,
    deps: Dependencies,
    decide: Callable[[ContributionAccount, date], ScheduleChange],
) -> TermsResult:
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "pay")
        change = decide(account, today)
        account.apply_change(change, today)
        await save(uow, account, now, deps)
        await uow.commit()
    return TermsResult(
        account.periodicity, account.debit_day, change.effective_from, account.schedule(today.year)
    )
