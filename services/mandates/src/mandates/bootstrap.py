"""The composition root of mandates: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from servicekit.clock import Clock, SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import IncomingEvent
from servicekit.migrations import upgrade
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mandates.adapters import orm
from mandates.adapters.sealing import NotificationsKeySealer
from mandates.adapters.unit_of_work import MandatesSqlUnitOfWork
from mandates.config import MandatesSettings
from mandates.service_layer import handlers
from mandates.service_layer.clients import Deps

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class MandatesApp:
    settings: MandatesSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    deps: Deps

    def new_uow(self, *, read_only: bool = False) -> MandatesSqlUnitOfWork:
        return MandatesSqlUnitOfWork(
            self.sessions,
            outbox_table=orm.outbox,
            inbox_table=orm.inbox,
            source="mandates",
            clock=self.clock,
            read_only=read_only,
        )

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await handlers.on_affiliate(event, self.new_uow(), self.clock)

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_affiliates(events, self.new_uow(), self.clock)

    async def on_cabinet(self, event: IncomingEvent) -> None:
        await handlers.on_cabinet(event, self.new_uow(), self.clock)

    async def on_account(self, event: IncomingEvent) -> None:
        await handlers.on_account(event, self.new_uow())

    async def on_letter_status(self, event: IncomingEvent) -> None:
        await handlers.on_letter_status(event, self.new_uow(), self.clock)

    async def on_letter_statuses(self, events: Sequence[IncomingEvent]) -> None:
        await handlers.on_letter_statuses(events, self.new_uow(), self.clock)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            self.engine,
            orm.outbox,
            service="mandates",
            producer_factory=aiokafka_producer_factory(
                self.settings.kafka_bootstrap_servers, "mandates-relay"
            ),
            clock=self.clock,
        )

    async def migrate(self) -> None:
        await upgrade(self.engine, MIGRATIONS)

    async def stop(self) -> None:
        await self.engine.dispose()


def bootstrap(
    settings: MandatesSettings | None = None, *, clock: Clock | None = None
) -> MandatesApp:
    settings = settings or MandatesSettings()
    if not settings.notifications_public_key:
        raise RuntimeError("NOTIFICATIONS_SEAL_PUBLIC_KEY is required to seal activation keys")
    engine = create_engine(settings.database_url)
    clock = clock or SystemClock()
    deps = Deps(clock, NotificationsKeySealer(settings.notifications_public_key))
    return MandatesApp(settings, engine, session_factory(engine), clock, deps)
