"""Income estimates (seed 000): preview, then apply — the échéancier rectificatif replaces the
remaining instalments at once, the request is confirmed to whoever asked and the new schedule
sent to the client (through notifications); then the function is locked for a month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contracts.common import Recipient
from contracts.cotisations import v1
from servicekit.auth import Principal
from servicekit.clock import Clock

from cotisations.domain.account import ContributionAccount, Estimate
from cotisations.service_layer.handlers import account_with
from cotisations.service_layer.ports import CotisationsUnitOfWork
from cotisations.service_layer.publishing import money, schedule_revised


@dataclass(frozen=True)
class EstimateResult:
    account: ContributionAccount
    estimate: Estimate


async def preview(
    principal: Principal,
    affiliate_id: str,
    year: int,
    income: Decimal,
    uow: CotisationsUnitOfWork,
    clock: Clock,
) -> EstimateResult:
    """What the estimate would change; nothing is written."""
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "declare")
    return EstimateResult(account, account.estimate(year, income, clock.now().date()))


async def apply(
    principal: Principal,
    affiliate_id: str,
    year: int,
    income: Decimal,
    uow: CotisationsUnitOfWork,
    clock: Clock,
) -> EstimateResult:
    now = clock.now()
    async with uow:
        account = await account_with(principal, affiliate_id, uow, "declare")
        estimate = account.estimate(year, income, now.date())
        account.apply(estimate, now.date())
        await uow.accounts.save(account)
        revision = estimate.revision
        requested_by = Recipient(
            email=principal.email or "", display_name=principal.name or principal.subject
        )
        await uow.outbox.add(
            v1.EstimateAppliedV1(
                affiliate_id=affiliate_id,
                client_name=account.holder_name or affiliate_id,
                year=year,
                estimated_income=money(income),
                annual_amount=money(estimate.computation.total),
                effective_from=revision.effective_from,
                requested_by=requested_by,
                applied_at=now,
            ),
            subject=affiliate_id,
        )
        await schedule_revised(
            uow,
            affiliate_id,
            year,
            revision.effective_from,
            revision.instalments,
            now,
            estimate.computation.total,
        )
        await uow.commit()
    return EstimateResult(account, estimate)
