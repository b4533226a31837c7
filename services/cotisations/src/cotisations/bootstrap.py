"""The composition root of cotisations: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from servicekit.clock import Clock, FakeClock, SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import IncomingEvent
from servicekit.migrations import upgrade
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cotisations.adapters import orm
from cotisations.adapters.unit_of_work import CotisationsSqlUnitOfWork
from cotisations.config import CotisationsSettings
from cotisations.service_layer import handlers

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class CotisationsApp:
    settings: CotisationsSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

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
        await handlers.on_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_affiliates(events, self.new_uow())

    async def on_access_event(self, event: IncomingEvent) -> None:
        await handlers.on_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_access_events(events, self.new_uow())

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


def bootstrap(
    settings: CotisationsSettings | None = None, *, clock: Clock | None = None
) -> CotisationsApp:
    settings = settings or CotisationsSettings()
    engine = create_engine(settings.database_url)
    if clock is None and settings.business_date is not None:
        clock = FakeClock(datetime.combine(settings.business_date, time(9), tzinfo=UTC))
    return CotisationsApp(settings, engine, session_factory(engine), clock or SystemClock())
