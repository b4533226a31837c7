"""What the service is asked to do (HTTP and the worker build these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from servicekit.auth import Principal

from appointments.domain.agencies import Channel


@dataclass(frozen=True)
class SearchSlots:
    agency_id: str | None
    region: str | None
    first_day: date | None
    last_day: date | None
    channel: Channel | None
    limit: int
    after: datetime | None = None
    after_agency: str | None = None


@dataclass(frozen=True)
class Book:
    agency_id: str
    starts_at: datetime
    reason_code: str
    channel: Channel
    nir: str
    first_names: str
    last_name: str
    address: str
    mobile: str
    email: str
    terms_accepted: bool
    captcha: str
    principal: Principal | None = None


@dataclass(frozen=True)
class ReadByLink:
    token: str


@dataclass(frozen=True)
class CancelByLink:
    token: str


@dataclass(frozen=True)
class RescheduleByLink:
    token: str
    starts_at: datetime
    agency_id: str | None = None


@dataclass(frozen=True)
class BookingForm:
    principal: Principal | None


@dataclass(frozen=True)
class AgencyAppointments:
    principal: Principal
    agency_id: str
    state: str | None
    day: date | None
    limit: int = 50
    after: tuple[datetime, str] | None = None
    """The page's cursor: the (start, appointment id) of the last item of the page before."""


@dataclass(frozen=True)
class Confirm:
    principal: Principal
    appointment_id: str
    note: str


@dataclass(frozen=True)
class CancelByAgent:
    principal: Principal
    appointment_id: str
    explanation: str


@dataclass(frozen=True)
class RecordOutcome:
    principal: Principal
    appointment_id: str
    outcome: Literal["done", "no_show"]


@dataclass(frozen=True)
class ReadAppointment:
    principal: Principal
    appointment_id: str


@dataclass(frozen=True)
class SetCapacity:
    principal: Principal
    agency_id: str
    starts_at: datetime
    capacity: int


@dataclass(frozen=True)
class AddClosure:
    principal: Principal
    agency_id: str
    first_day: date
    last_day: date
    label: str


@dataclass(frozen=True)
class EditAgency:
    principal: Principal
    agency_id: str
    record: dict[str, Any]


@dataclass(frozen=True)
class LoadReference:
    document: dict[str, Any]


@dataclass(frozen=True)
class SendReminders:
    pass
