"""cotisations events, version 1 (keyed by affiliate id). Amounts are decimal strings (EUR)."""

from __future__ import annotations

from datetime import date, datetime

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
