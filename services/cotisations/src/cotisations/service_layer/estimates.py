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
from servicekit.problems import NotFound

from cotisations.domain.account import ContributionAccount, Estimate
from cotisations.service_layer.ports import CotisationsUnitOfWork


@dataclass(frozen=True)
class EstimateResult:
    account: ContributionAccount
    estimate: Estimate


async def _account(
    principal: Principal, affiliate_id: str, uow: CotisationsUnitOfWork
) -> ContributionAccount:
    await uow.access.require(principal, affiliate_id, "declare")
    account = await uow.accounts.get(affiliate_id)
    if account is None:
        raise NotFound("Aucun compte cotisant ne correspond.", kind="account-not-found")
    return account


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
        account = await _account(principal, affiliate_id, uow)
    return EstimateResult(account, account.estimate(year, income, clock.now().date()))


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


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
        account = await _account(principal, affiliate_id, uow)
        estimate = account.estimate(year, income, now.date())
        account.apply(estimate, now.date())
        await uow.accounts.save_estimate(account, year)
        revision = estimate.revision
        requested_by = Recipient(
            email=principal.email or "", display_name=principal.name or principal.subject
        )
        await uow.outbox.add(
            v1.EstimateAppliedV1(
                affiliate_id=affiliate_id,
                client_name=account.holder_name or affiliate_id,
                year=year,
                estimated_income=_money(income),
                annual_amount=_money(estimate.computation.total),
                effective_from=revision.effective_from,
                requested_by=requested_by,
                applied_at=now,
            ),
            subject=affiliate_id,
        )
        await uow.outbox.add(
            v1.ScheduleRevisedV1(
                affiliate_id=affiliate_id,
                year=year,
                annual_amount=_money(estimate.computation.total),
                effective_from=revision.effective_from,
                instalments=[
                    v1.Instalment(due_date=i.due_date, amount=_money(i.amount))
                    for i in revision.remaining
                ],
                reference=f"ECH-{year}-{affiliate_id[:8]}-{now:%Y%m%d}",
                revised_at=now,
            ),
            subject=affiliate_id,
        )
        await uow.commit()
    return EstimateResult(account, estimate)
