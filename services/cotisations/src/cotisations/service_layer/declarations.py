"""What the affilié (or a firm user with the right) declares or changes on the account:
the definitive income of a finished year (regularisation), a micro-entrepreneur's turnover of
a period, the periodicity and the debit day. Each is one transaction with its events."""

from __future__ import annotations

from decimal import Decimal

from contracts.cotisations import v1
from servicekit.auth import Principal
from servicekit.clock import Clock

from cotisations.domain.account import ContributionAccount, ScheduleChange
from cotisations.domain.declarations import PeriodDeclaration
from cotisations.domain.regularisation import Carried
from cotisations.service_layer.handlers import account_with
from cotisations.service_layer.ports import CotisationsUnitOfWork
from cotisations.service_layer.publishing import money, schedule_revised


async def declare_income(
    principal: Principal,
    affiliate_id: str,
    year: int,
    income: Decimal,
    uow: CotisationsUnitOfWork,
    clock: Clock,
) -> tuple[ContributionAccount, Carried]:
    now = clock.now()
    today = now.date()
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "declare")
        before = account.schedule(today.year)
        carried = account.declare_income(year, income, today)
        account.apply_income(carried, today)
        await uow.accounts.save(account)
        r = carried.regularisation
        await uow.outbox.add(
            v1.IncomeDeclaredV1(
                affiliate_id=affiliate_id,
                year=year,
                definitive_income=money(income),
                definitive_total=money(r.definitive_total),
                called_total=money(r.called_total),
                balance=money(r.balance),
                outcome=r.outcome,
                due_date=r.due_date,
                declared_at=now,
            ),
            subject=affiliate_id,
        )
        changed = [i for i in carried.instalments if i not in before]
        if changed:
            await schedule_revised(
                uow, affiliate_id, today.year, changed[0].due_date, carried.instalments, now
            )
        await uow.commit()
    return account, carried


async def declare_turnover(
    principal: Principal,
    affiliate_id: str,
    period: str,
    turnover: Decimal,
    uow: CotisationsUnitOfWork,
    clock: Clock,
) -> PeriodDeclaration:
    now = clock.now()
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "declare")
        declaration = account.declare_turnover(period, turnover, now.date())
        account.declarations.append(declaration)
        await uow.accounts.save(account)
        await uow.outbox.add(
            v1.TurnoverDeclaredV1(
                affiliate_id=affiliate_id,
                period=declaration.period,
                turnover=money(declaration.turnover),
                amount=money(declaration.amount),
                due_date=declaration.due_date,
                declared_at=now,
            ),
            subject=affiliate_id,
        )
        await uow.commit()
    return declaration


async def change_terms(
    principal: Principal,
    affiliate_id: str,
    uow: CotisationsUnitOfWork,
    clock: Clock,
    *,
    periodicity: str | None = None,
    debit_day: int | None = None,
) -> tuple[ContributionAccount, ScheduleChange]:
    """A new periodicity or debit day (direct debit: the ``pay`` right)."""
    now = clock.now()
    today = now.date()
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "pay")
        if periodicity is not None:
            change = account.change_periodicity(periodicity, today)
        else:
            assert debit_day is not None
            change = account.change_debit_day(debit_day, today)
        account.apply_change(change, today)
        await uow.accounts.save(account)
        await uow.outbox.add(
            v1.PaymentTermsChangedV1(
                affiliate_id=affiliate_id,
                periodicity=change.periodicity,  # type: ignore[arg-type]
                debit_day=change.debit_day,  # type: ignore[arg-type]
                effective_from=change.effective_from,
                changed_at=now,
            ),
            subject=affiliate_id,
        )
        if change.effective_from.year == today.year:
            await schedule_revised(
                uow, affiliate_id, today.year, change.effective_from, change.instalments, now
            )
        await uow.commit()
    return account, change
