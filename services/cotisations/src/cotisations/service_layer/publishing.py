"""The events every account change shares: amounts as decimal strings, the échéancier
rectificatif that notifications sends to the client."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from contracts.cotisations import v1

from cotisations.domain.schedule import Instalment
from cotisations.service_layer.ports import CotisationsUnitOfWork


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


async def schedule_revised(
    uow: CotisationsUnitOfWork,
    affiliate_id: str,
    year: int,
    effective_from: date,
    instalments: list[Instalment],
    now: datetime,
    annual_amount: Decimal | None = None,
) -> None:
    """The échéancier rectificatif: the instalments from ``effective_from`` on; the annual
    amount is what the year's instalments call unless given (an estimate's new amount)."""
    if annual_amount is None:
        annual_amount = sum((i.amount for i in instalments), Decimal(0))
    await uow.outbox.add(
        v1.ScheduleRevisedV1(
            affiliate_id=affiliate_id,
            year=year,
            annual_amount=money(annual_amount),
            effective_from=effective_from,
            instalments=[
                v1.Instalment(due_date=i.due_date, amount=money(i.amount))
                for i in instalments
                if i.due_date >= effective_from
            ],
            reference=f"ECH-{year}-{affiliate_id[:8]}-{now:%Y%m%d}",
            revised_at=now,
        ),
        subject=affiliate_id,
    )
