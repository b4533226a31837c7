"""appointments' unit of work: agencies, places, appointments, verification codes, people,
the outbox and the inbox on one session."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from appointments.adapters.repository import Agencies, Appointments, Captchas, Holds, People


class AppointmentsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    agencies: Agencies
    holds: Holds
    appointments: Appointments
    captchas: Captchas
    people: People

    def _open(self) -> None:
        self.agencies = Agencies(self.session)
        self.holds = Holds(self.session)
        self.appointments = Appointments(self.session)
        self.captchas = Captchas(self.session)
        self.people = People(self.session)
