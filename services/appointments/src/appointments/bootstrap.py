"""The composition root of appointments: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from servicekit.bus import MessageBus
from servicekit.clock import Clock, ShiftedClock
from servicekit.lease import Lease
from servicekit.logging import get_logger
from servicekit.loops import PeriodicLoop
from servicekit.messaging import IncomingEvent
from servicekit.ratelimit import DatabaseLimiter
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root
from sqlalchemy.exc import IntegrityError

from appointments.adapters import orm
from appointments.adapters.captcha import Captcha, CaptchaRefused
from appointments.adapters.secrets import ServiceSecrets
from appointments.adapters.unit_of_work import AppointmentsSqlUnitOfWork
from appointments.config import AppointmentsSettings
from appointments.domain import commands
from appointments.domain.agencies import Agency
from appointments.reference import load_packaged_document
from appointments.service_layer import consumers, handlers
from appointments.service_layer.catalogue import Catalogue

MIGRATIONS = service_root(__file__) / "migrations"
_log = get_logger(__name__)


def service_clock(settings: AppointmentsSettings) -> Clock | None:
    """The real time (``None``: the runtime's), unless the development setting
    ``APPOINTMENTS_CLOCK_SHIFT_S`` moves it (refused in production by the settings); said at
    start-up."""
    if not settings.clock_shift_s:
        return None
    _log.warning(
        "clock_shift_override", shift_s=settings.clock_shift_s, environment=settings.environment
    )
    return ShiftedClock(timedelta(seconds=settings.clock_shift_s))


@dataclass
class AppointmentsApp(ServiceApp):
    settings: AppointmentsSettings
    deps: handlers.Dependencies
    bus: MessageBus[AppointmentsSqlUnitOfWork, handlers.Dependencies] = field(init=False)
    queries: MessageBus[AppointmentsSqlUnitOfWork, handlers.Dependencies] = field(init=False)

    def __post_init__(self) -> None:
        self.bus = MessageBus(handlers.HANDLERS, self.new_uow, self.deps)
        self.queries = MessageBus(
            handlers.QUERIES, partial(self.new_uow, read_only=True), self.deps
        )

    def limiter(self, per_minute: int) -> DatabaseLimiter:
        """A rate limit counted in the service's database: shared by every copy of the api."""
        return DatabaseLimiter(self.runtime.engine, orm.rate_limits, per_minute, 60.0)

    def new_uow(self, *, read_only: bool = False) -> AppointmentsSqlUnitOfWork:
        return self.runtime.new_uow(AppointmentsSqlUnitOfWork, read_only=read_only)

    async def load_reference(self) -> None:
        """The packaged agencies into the database (a new file version applies); two copies
        starting together: the one the database refuses reads the other's result."""
        try:
            await self.bus.handle(commands.LoadReference(load_packaged_document()))
        except IntegrityError:
            await self.bus.handle(commands.LoadReference(load_packaged_document()))

    async def agencies(self) -> list[Agency]:
        """Every agency as stored (its latest version)."""
        async with self.new_uow(read_only=True) as uow:
            return self.deps.catalogue.agencies(await uow.agencies.all())

    def reminder_loop(self) -> PeriodicLoop:
        """The day-before reminders, by the copy that holds the ``reminders`` lease."""
        lease = Lease(
            self.engine,
            orm.messaging.lease,
            name="reminders",
            clock=self.clock,
            ttl_s=self.settings.reminder_lease_ttl_s,
        )

        async def step() -> int:
            if not await lease.hold():
                return 0
            sent: int = await self.bus.handle(commands.SendReminders())
            return sent

        return PeriodicLoop("reminders", step, self.settings.reminder_interval_s)

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.on_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_affiliates(events, self.new_uow())


def bootstrap(
    settings: AppointmentsSettings | None = None, *, clock: Clock | None = None
) -> AppointmentsApp:
    settings = settings or AppointmentsSettings()
    runtime = ServiceRuntime.create(
        "appointments",
        settings,
        tables=orm.messaging,
        migrations=MIGRATIONS,
        clock=clock or service_clock(settings),
    )
    secrets = ServiceSecrets(settings.secret_key, settings.notifications_public_key)
    captcha = Captcha(
        secrets.captcha_key, max_number=settings.captcha_max_number, clock=runtime.clock.now
    )
    deps = handlers.Dependencies(
        clock=runtime.clock,
        catalogue=Catalogue(load_packaged_document()),
        secrets=secrets,
        captcha=captcha,
        rules=handlers.Rules(
            open_requests_max=settings.open_requests_max,
            notice=timedelta(hours=settings.notice_hours),
            search_days=settings.search_days,
            public_url=settings.public_url,
            manage_url=settings.manage_url,
        ),
        captcha_refused=CaptchaRefused,
    )
    return AppointmentsApp(runtime, settings, deps)
