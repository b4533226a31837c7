"""Domain events → integration events (``contracts.cotisations.v1``), in this module only.

Amounts become decimal strings (EUR, to the cent); each event is stamped with the instant of
the use case that recorded it and keyed by the affilié.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, cast

from contracts.base import EventPayload
from contracts.common import Recipient
from contracts.cotisations import v1

from cotisations.domain.events import (
    DomainEvent,
    EstimateApplied,
    IncomeDeclared,
    PaymentTermsChanged,
    ScheduleRevised,
    TurnoverDeclared,
)


@dataclass(frozen=True)
class Outgoing:
    payload: EventPayload
    subject: str


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def to_integration(event: DomainEvent, at: datetime) -> Outgoing:
    match event:
        case EstimateApplied():
            return Outgoing(
                v1.EstimateAppliedV1(
                    affiliate_id=event.affiliate_id,
                    client_name=event.client_name,
                    year=event.year,
                    estimated_income=money(event.income),
                    annual_amount=money(event.annual_amount),
                    effective_from=event.effective_from,
                    requested_by=Recipient(
                        email=event.requested_by.email,
                        display_name=event.requested_by.display_name,
                    ),
                    applied_at=at,
                ),
                subject=event.affiliate_id,
            )
        case ScheduleRevised():
            return Outgoing(
                v1.ScheduleRevisedV1(
                    affiliate_id=event.affiliate_id,
                    year=event.year,
                    annual_amount=money(event.annual_amount),
                    effective_from=event.effective_from,
                    instalments=[
                        v1.Instalment(due_date=i.due_date, amount=money(i.amount))
                        for i in event.instalments
                    ],
                    reference=f"ECH-{event.year}-{event.affiliate_id[:8]}-{at:%Y%m%d}",
                    revised_at=at,
                ),
                subject=event.affiliate_id,
            )
        case IncomeDeclared():
            return Outgoing(
                v1.IncomeDeclaredV1(
                    affiliate_id=event.affiliate_id,
                    year=event.year,
                    definitive_income=money(event.income),
                    definitive_total=money(event.definitive_total),
                    called_total=money(event.called_total),
                    balance=money(event.balance),
                    outcome=event.outcome,
                    due_date=event.due_date,
                    declared_at=at,
                ),
                subject=event.affiliate_id,
            )
        case PaymentTermsChanged():
            return Outgoing(
                v1.PaymentTermsChangedV1(
                    affiliate_id=event.affiliate_id,
                    periodicity=cast(Literal["monthly", "quarterly"], event.periodicity),
                    debit_day=cast(Literal[5, 20], event.debit_day),
                    effective_from=event.effective_from,
                    changed_at=at,
                ),
                subject=event.affiliate_id,
            )
        case TurnoverDeclared():
            return Outgoing(
                v1.TurnoverDeclaredV1(
                    affiliate_id=event.affiliate_id,
                    period=event.period,
                    turnover=money(event.turnover),
                    amount=money(event.amount),
                    due_date=event.due_date,
                    declared_at=at,
                ),
                subject=event.affiliate_id,
            )
    raise TypeError(f"no integration event for {type(event).__name__}")
