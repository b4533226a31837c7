"""``python -m appointments.entrypoints.worker``: the registry's people (the form's
pre-filling), the day-before reminders, and the outbox relay."""

from __future__ import annotations

from contracts.appointments import v1 as appointments_v1
from contracts.identity import v1 as identity_v1
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app

from appointments.bootstrap import AppointmentsApp, bootstrap
from appointments.config import AppointmentsSettings
from appointments.service_layer.consumers import AFFILIATE_TYPES


def router(app: AppointmentsApp) -> EventRouter:
    """Every subscription of appointments' worker, and what it publishes."""
    events = app.runtime.new_router()
    events.on(
        identity_v1.AFFILIATE,
        app.on_affiliate,
        purpose="people",
        event_types=AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    events.publishes(
        appointments_v1.APPOINTMENT,
        appointments_v1.AppointmentRequestedV1,
        appointments_v1.AppointmentConfirmedV1,
        appointments_v1.AppointmentRescheduledV1,
        appointments_v1.AppointmentReminderDueV1,
        appointments_v1.AppointmentCancelledV1,
        appointments_v1.AppointmentAttendedV1,
    )
    events.publishes(appointments_v1.AGENCY, appointments_v1.AgencyChangedV1)
    return events


def build(settings: AppointmentsSettings | None = None) -> WorkerApp:
    app = bootstrap(settings or AppointmentsSettings())
    return worker_app(app.runtime, router(app), loops=[app.reminder_loop()], on_shutdown=[app.stop])


def main() -> None:
    serve_worker(build, "appointments", 8152)


if __name__ == "__main__":
    main()
