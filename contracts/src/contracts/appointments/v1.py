"""appointments events, version 1 (keyed by appointment id)."""

from __future__ import annotations

from datetime import datetime

from contracts.base import EventPayload
from contracts.common import Recipient

APPOINTMENT = "appointments.appointment"


class AppointmentEventV1(EventPayload):
    appointment_id: str
    person: Recipient
    agency_name: str
    agency_address: str
    reason: str
    starts_at: datetime
    ends_at: datetime


class AppointmentRequestedV1(AppointmentEventV1):
    event_type = "appointments.appointment.requested.v1"
    topic = APPOINTMENT


class AppointmentConfirmedV1(AppointmentEventV1):
    event_type = "appointments.appointment.confirmed.v1"
    topic = APPOINTMENT


class AppointmentReminderDueV1(AppointmentEventV1):
    event_type = "appointments.appointment.reminder_due.v1"
    topic = APPOINTMENT


class AppointmentCancelledV1(AppointmentEventV1):
    event_type = "appointments.appointment.cancelled.v1"
    topic = APPOINTMENT
