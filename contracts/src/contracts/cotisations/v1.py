"""cotisations events, version 1 (keyed by affiliate id). Amounts are decimal strings (EUR)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import EventPayload
from contracts.common import Recipient

ACCOUNT = "cotisations.account"

Amount = str


class Instalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    due_date: date
    amount: Amount = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$")


class EstimateAppliedV1(EventPayload):
    """An income estimate was applied; ``requested_by`` gets the confirmation."""

    event_type = "cotisations.account.estimate_applied.v1"
    topic = ACCOUNT

    affiliate_id: str
    client_name: str
    year: int
    estimated_income: Amount
    annual_amount: Amount
    effective_from: date
    requested_by: Recipient
    applied_at: datetime


class ScheduleRevisedV1(EventPayload):
    """An échéancier rectificatif replaces the remaining instalments; sent to the client."""

    event_type = "cotisations.account.schedule_revised.v1"
    topic = ACCOUNT

    affiliate_id: str
    year: int
    annual_amount: Amount
    effective_from: date
    instalments: list[Instalment]
    reference: str
    revised_at: datetime


class IncomeDeclaredV1(EventPayload):
    """The definitive income of a finished year was declared and the year regularised:
    ``outcome`` says what became of the balance (``definitive_total - called_total``):
    ``spread`` over the current year's instalments from ``due_date``, ``refund``, ``debt``
    due on ``due_date``, or ``settled`` (nothing owed either way)."""

    event_type = "cotisations.account.income_declared.v1"
    topic = ACCOUNT

    affiliate_id: str
    year: int
    definitive_income: Amount
    definitive_total: Amount
    called_total: Amount
    balance: Amount
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None = None
    declared_at: datetime


class PaymentTermsChangedV1(EventPayload):
    """The periodicity (monthly, quarterly) or the debit day (5, 20) changed, from
    ``effective_from``; the new échéancier follows as ``schedule_revised``."""

    event_type = "cotisations.account.payment_terms_changed.v1"
    topic = ACCOUNT

    affiliate_id: str
    periodicity: Literal["monthly", "quarterly"]
    debit_day: Literal[5, 20]
    effective_from: date
    changed_at: datetime


class TurnoverDeclaredV1(EventPayload):
    """A micro-entrepreneur declared the turnover of a month (``2026-03``) or a quarter
    (``2026-T1``); ``amount`` is due on ``due_date``."""

    event_type = "cotisations.account.turnover_declared.v1"
    topic = ACCOUNT

    affiliate_id: str
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2]|T[1-4])$")
    turnover: Amount
    amount: Amount
    due_date: date
    declared_at: datetime
