"""The composition root of cotisations: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from delegation import Quarantine
from servicekit.clock import Clock, FakeClock
from servicekit.messaging import IncomingEvent
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

from cotisations.adapters import orm
from cotisations.adapters.unit_of_work import CotisationsSqlUnitOfWork
from cotisations.config import CotisationsSettings
from cotisations.service_layer import handlers

MIGRATIONS = service_root(__file__) / "migrations"


@dataclass
class CotisationsApp(ServiceApp):
    settings: CotisationsSettings

    def new_uow(self, *, read_only: bool = False) -> CotisationsSqlUnitOfWork:
        return self.runtime.new_uow(CotisationsSqlUnitOfWork, read_only=read_only)

    def quarantine(self) -> Quarantine:
        return Quarantine(self.engine, orm.access)

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await handlers.on_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_affiliates(events, self.new_uow())

    async def on_access_event(self, event: IncomingEvent) -> None:
        await handlers.on_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_access_events(events, self.new_uow())


def bootstrap(
    settings: CotisationsSettings | None = None, *, clock: Clock | None = None
) -> CotisationsApp:
    settings = settings or CotisationsSettings()
    if clock is None and settings.business_date is not None:
        clock = FakeClock(datetime.combine(settings.business_date, time(9), tzinfo=UTC))
    runtime = ServiceRuntime.create(
        "cotisations", settings, tables=orm.messaging, migrations=MIGRATIONS, clock=clock
    )
    return CotisationsApp(runtime, settings)
