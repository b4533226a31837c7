"""Domain events: what the contribution account records as it changes.

They stay inside the service; ``service_layer/integration.py`` turns them into the
``contracts.cotisations.v1`` payloads (and stamps them with the instant of the use case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cotisations.domain.declarations import PeriodDeclaration
from cotisations.domain.regularisation import Outcome, Regularisation
from cotisations.domain.schedule import Instalment


class DomainEvent:
    """Marker base class."""


@dataclass(frozen=True)
class Requester:
    """Who asked for a change, as the confirmation is addressed."""

    email: str
    display_name: str


@dataclass(frozen=True)
class EstimateApplied(DomainEvent):
    affiliate_id: str
    client_name: str
    year: int
    income: Decimal
    annual_amount: Decimal
    effective_from: date
    requested_by: Requester


@dataclass(frozen=True)
class ScheduleRevised(DomainEvent):
    """The échéancier rectificatif: ``instalments`` are those from ``effective_from`` on;
    ``annual_amount`` is what the year now calls."""

    affiliate_id: str
    year: int
    annual_amount: Decimal
    effective_from: date
    instalments: tuple[Instalment, ...]

    @classmethod
    def of(
        cls,
        affiliate_id: str,
        year: int,
        effective_from: date,
        instalments: list[Instalment],
        annual_amount: Decimal | None = None,
    ) -> ScheduleRevised:
        """The year's ``instalments`` revised from ``effective_from``; the annual amount is
        what they call unless given (an estimate's new amount)."""
        if annual_amount is None:
            annual_amount = sum((i.amount for i in instalments), Decimal(0))
        revised = tuple(i for i in instalments if i.due_date >= effective_from)
        return cls(affiliate_id, year, annual_amount, effective_from, revised)


@dataclass(frozen=True)
class IncomeDeclared(DomainEvent):
    affiliate_id: str
    year: int
    income: Decimal
    definitive_total: Decimal
    called_total: Decimal
    balance: Decimal
    outcome: Outcome
    due_date: date | None

    @classmethod
    def of(cls, affiliate_id: str, r: Regularisation) -> IncomeDeclared:
        return cls(
            affiliate_id,
            r.year,
            r.income,
            r.definitive_total,
            r.called_total,
            r.balance,
            r.outcome,
            r.due_date,
        )


@dataclass(frozen=True)
class PaymentTermsChanged(DomainEvent):
    affiliate_id: str
    periodicity: str
    debit_day: int
    effective_from: date


@dataclass(frozen=True)
class TurnoverDeclared(DomainEvent):
    affiliate_id: str
    period: str
    turnover: Decimal
    amount: Decimal
    due_date: date

    @classmethod
    def of(cls, affiliate_id: str, d: PeriodDeclaration) -> TurnoverDeclared:
        return cls(affiliate_id, d.period, d.turnover, d.amount, d.due_date)
