"""The composition root of cotisations: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from servicekit.bus import Handler, MessageBus
from servicekit.clock import Clock, SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.logging import get_logger
from servicekit.messaging import IncomingEvent
from servicekit.migrations import upgrade
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cotisations.adapters import orm
from cotisations.adapters.business_date import BusinessDateClock
from cotisations.adapters.unit_of_work import CotisationsSqlUnitOfWork
from cotisations.config import CotisationsSettings
from cotisations.domain import commands
from cotisations.service_layer import consumers, handlers, queries
from cotisations.service_layer.ports import CotisationsUnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

Handlers = dict[type[commands.Command], Handler[CotisationsUnitOfWork, handlers.Dependencies]]

HANDLERS: Handlers = {
    commands.ApplyEstimate: handlers.apply_estimate,
    commands.DeclareIncome: handlers.declare_income,
    commands.DeclareTurnover: handlers.declare_turnover,
    commands.ChangePeriodicity: handlers.change_periodicity,
    commands.ChangeDebitDay: handlers.change_debit_day,
}
QUERIES: Handlers = {
    commands.ReadAccount: queries.read_account,
    commands.PreviewEstimate: queries.preview_estimate,
    commands.ReadCareer: queries.read_career,
}

_log = get_logger(__name__)


@dataclass
class CotisationsApp:
    settings: CotisationsSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    bus: MessageBus[CotisationsUnitOfWork, handlers.Dependencies] = field(init=False)
    """The use cases that change an account (``HANDLERS``)."""
    queries: MessageBus[CotisationsUnitOfWork, handlers.Dependencies] = field(init=False)
    """What the account shows (``QUERIES``), on read-only units of work."""

    def __post_init__(self) -> None:
        deps = handlers.Dependencies(clock=self.clock)
        self.bus = MessageBus(HANDLERS, self.new_uow, deps)
        self.queries = MessageBus(QUERIES, partial(self.new_uow, read_only=True), deps)

    def new_uow(self, *, read_only: bool = False) -> CotisationsSqlUnitOfWork:
        return CotisationsSqlUnitOfWork(
            self.sessions,
            outbox_table=orm.outbox,
            inbox_table=orm.inbox,
            source="cotisations",
            clock=self.clock,
            read_only=read_only,
        )

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.on_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_affiliates(events, self.new_uow())

    async def on_access_event(self, event: IncomingEvent) -> None:
        await consumers.on_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_access_events(events, self.new_uow())

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            self.engine,
            orm.outbox,
            service="cotisations",
            producer_factory=aiokafka_producer_factory(
                self.settings.kafka_bootstrap_servers, "cotisations-relay"
            ),
            clock=self.clock,
        )

    async def migrate(self) -> None:
        await upgrade(self.engine, MIGRATIONS)

    async def stop(self) -> None:
        await self.engine.dispose()


def business_clock(settings: CotisationsSettings) -> Clock:
    """The real time, unless the development setting ``COTISATIONS_BUSINESS_DATE`` stops the
    account rules on one day (refused in production by the settings); said at start-up."""
    if settings.business_date is None:
        return SystemClock()
    _log.warning(
        "business_date_override",
        business_date=settings.business_date.isoformat(),
        environment=settings.environment,
    )
    return BusinessDateClock(settings.business_date)


def bootstrap(
    settings: CotisationsSettings | None = None, *, clock: Clock | None = None
) -> CotisationsApp:
    settings = settings or CotisationsSettings()
    engine = create_engine(settings.database_url)
    clock = clock or business_clock(settings)
    return CotisationsApp(settings, engine, session_factory(engine), clock)
