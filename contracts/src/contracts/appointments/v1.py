"""appointments events, version 1.

``appointments.appointment`` is keyed by appointment id: one appointment's events stay in
order. ``appointments.agency`` is keyed by agency id and carries the agency's whole reference
record after each change (event-carried state), so a reader never needs the service's API.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import EventPayload, SealedSecret
from contracts.common import Recipient

APPOINTMENT = "appointments.appointment"
AGENCY = "appointments.agency"

Channel = Literal["agence", "telephone", "visio"]
"""How the appointment takes place: at the agency, by phone, by video."""


class SlotOffer(BaseModel):
    """A free slot proposed to a person (after a closure, for instance)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    agency_id: str
    starts_at: datetime
    ends_at: datetime


class AppointmentEventV1(EventPayload):
    """What every appointment event says: who, where, what for, when (aware datetimes)."""

    appointment_id: str
    person: Recipient
    agency_id: str
    agency_name: str
    agency_address: str
    channel: Channel = "agence"
    object_label: str = Field(default="", description="The object of the visit (« objet »).")
    reason: str = Field(description="The reason of the visit (« motif »), in French.")
    starts_at: datetime
    ends_at: datetime
    sequence: int = Field(
        default=0, ge=0, description="Revision of the appointment (iCalendar SEQUENCE)."
    )
    sealed_manage_link: SealedSecret | None = Field(
        default=None,
        description="The signed link to cancel or reschedule without logging in, sealed to "
        "notifications' key; valid until the appointment ends.",
    )


class AppointmentRequestedV1(AppointmentEventV1):
    """A place was held; the person receives an acknowledgement."""

    event_type = "appointments.appointment.requested.v1"
    topic = APPOINTMENT


class AppointmentConfirmedV1(AppointmentEventV1):
    """An agent confirmed the appointment, with a note preparing the visit."""

    event_type = "appointments.appointment.confirmed.v1"
    topic = APPOINTMENT

    note: str = Field(default="", description="The agent's note to the person, in French.")


class AppointmentRescheduledV1(AppointmentEventV1):
    """The person moved the appointment: the old place is free, the new one held."""

    event_type = "appointments.appointment.rescheduled.v1"
    topic = APPOINTMENT

    previous_starts_at: datetime
    previous_ends_at: datetime
    confirmed: bool = Field(description="Whether the moved appointment stays confirmed.")


class AppointmentReminderDueV1(AppointmentEventV1):
    """The day before a confirmed appointment (published once per appointment and date)."""

    event_type = "appointments.appointment.reminder_due.v1"
    topic = APPOINTMENT


class AppointmentCancelledV1(AppointmentEventV1):
    """Cancelled by the person, by an agent, or by a closure of the agency."""

    event_type = "appointments.appointment.cancelled.v1"
    topic = APPOINTMENT

    cancelled_by: Literal["person", "agent", "closure"] = "person"
    explanation: str = Field(default="", description="Why, in French (agent or closure).")
    next_free_slots: list[SlotOffer] = Field(
        default_factory=list, description="Free slots offered instead (after a closure)."
    )


class AppointmentAttendedV1(AppointmentEventV1):
    """The agent recorded the outcome: the person came (done) or did not (no_show)."""

    event_type = "appointments.appointment.attended.v1"
    topic = APPOINTMENT

    outcome: Literal["done", "no_show"]


class OpeningPeriod(BaseModel):
    """Opening hours of one weekday (0 = Monday); several periods a day (morning, afternoon)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    weekday: int = Field(ge=0, le=6)
    opens: time
    closes: time


class Closure(BaseModel):
    """The agency closed from ``first_day`` to ``last_day`` included."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    first_day: date
    last_day: date
    label: str = ""


class AgencyChangedV1(EventPayload):
    """An agency's reference record after a change (load of the file, an agent's edit, a
    closure, a capacity change)."""

    event_type = "appointments.agency.changed.v1"
    topic = AGENCY

    agency_id: str
    version: int = Field(ge=1)
    change: str = Field(description="What changed, for the audit trail.")
    region: str
    name: str
    address: str
    departement: str
    accessibility: str = ""
    channels: list[Channel]
    opening_hours: list[OpeningPeriod]
    closures: list[Closure] = Field(default_factory=list)
    slot_minutes: int = Field(gt=0)
    default_capacity: int = Field(ge=0)
