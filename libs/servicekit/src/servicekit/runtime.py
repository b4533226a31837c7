"""What every service builds identically from its settings, written once: the database
engine, the messaging tables, the consumer router, the outbox relay, the operators' routes,
and the worker's maintenance loops (dead-letter replays, retention, gauges).

A service's ``bootstrap.py`` creates one :class:`ServiceRuntime`; its api and its worker take
what they need from it (see :mod:`servicekit.worker` and :func:`servicekit.http.api_lifespan`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from contracts.topics import CATALOGUE
from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.clock import Clock, SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.doorbell import RelayDoorbell
from servicekit.fastapi_auth import PrincipalDependency
from servicekit.faults import check_allowed
from servicekit.idempotency import IdempotencyStore
from servicekit.loops import PeriodicLoop
from servicekit.messaging import EventRouter, RetryPolicy, SqlDeadLetterStore
from servicekit.metrics import DEAD_LETTERS_STORED
from servicekit.migrations import prepare_schema, upgrade
from servicekit.operations.http import operator_router
from servicekit.operations.replays import KafkaDlqReplayer, ReplayStore, carry_out_next
from servicekit.operations.retention import Retention
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from servicekit.settings import ServiceSettings
from servicekit.tables import MessagingTables
from servicekit.uow import SqlAlchemyUnitOfWork

U = TypeVar("U", bound=SqlAlchemyUnitOfWork)


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    tables: MessagingTables
    migrations: Path
    doorbell: RelayDoorbell | None = None
    """Rung by every commit that writes outbox rows (``servicekit.doorbell``)."""

    @classmethod
    def create(
        cls,
        name: str,
        settings: ServiceSettings,
        *,
        tables: MessagingTables,
        migrations: Path,
        clock: Clock | None = None,
    ) -> ServiceRuntime:
        check_allowed()
        engine = create_engine(settings.database_url)
        return cls(
            name,
            settings,
            engine,
            session_factory(engine),
            clock or SystemClock(),
            tables,
            migrations,
            RelayDoorbell(engine, tables.lease) if settings.outbox_doorbell_host else None,
        )

    def new_uow(self, cls: type[U], *, read_only: bool = False) -> U:
        """A unit of work of the service's class on this database and its outbox and inbox."""
        return cls(
            self.sessions,
            outbox_table=self.tables.outbox,
            inbox_table=self.tables.inbox,
            source=self.name,
            clock=self.clock,
            read_only=read_only,
            doorbell=self.doorbell,
        )

    # -- schema ----------------------------------------------------------------------------
    async def prepare_schema(self) -> None:
        await prepare_schema(self.engine, self.migrations, migrate=self.settings.migrate_on_start)

    async def dispose(self) -> None:
        await self.engine.dispose()

    def api_lifespan(
        self,
        on_start: Sequence[Callable[[], Awaitable[object]]] = (),
        on_stop: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """The api's lifespan: the schema migrated (or waited for), ``on_start``; at the end
        ``on_stop`` and the engine disposed."""

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            check_allowed()
            await self.prepare_schema()
            for hook in on_start:
                await hook()
            try:
                yield
            finally:
                for hook in on_stop:
                    await hook()
                await self.dispose()

        return lifespan

    # -- consuming -------------------------------------------------------------------------
    def consumed_topics(self) -> frozenset[str]:
        return frozenset(t.name for t in CATALOGUE if self.name in t.consumers)

    def new_router(self) -> EventRouter:
        """The worker's router: retries, batch size and commits from the settings, and the
        service's ``dead_letters`` table."""
        s = self.settings
        return EventRouter(
            service=self.name,
            consumer=self.name,
            retry=RetryPolicy(
                max_attempts=s.consumer_max_attempts,
                backoff_initial_s=s.consumer_backoff_initial_s,
                backoff_max_s=s.consumer_backoff_max_s,
            ),
            batch_size=s.consumer_batch_size,
            commit_interval_s=s.consumer_commit_interval_s,
            wait_ms=s.consumer_wait_ms,
            dead_letters=SqlDeadLetterStore(self.engine, self.tables.dead_letters),
        )

    # -- publishing ------------------------------------------------------------------------
    def relay(self) -> OutboxRelay:
        s = self.settings
        return OutboxRelay(
            self.engine,
            self.tables.outbox,
            self.tables.lease,
            service=self.name,
            producer_factory=aiokafka_producer_factory(
                s.kafka_bootstrap_servers, f"{self.name}-relay", **s.kafka_security()
            ),
            clock=self.clock,
            batch_size=s.outbox_batch_size,
            poll_interval_s=s.outbox_poll_interval_s,
            max_row_attempts=s.outbox_max_row_attempts,
            lease_ttl_s=s.outbox_lease_ttl_s,
            doorbell_host=s.outbox_doorbell_host,
            send_timeout_s=s.outbox_send_timeout_s,
            producer_stall_after=s.outbox_producer_stall_after,
        )

    def idempotency(self) -> IdempotencyStore:
        """Where the api keeps the answers of requests sent with an ``Idempotency-Key``."""
        return IdempotencyStore(
            self.engine,
            self.tables.idempotency,
            self.clock,
            timedelta(hours=self.settings.idempotency_ttl_hours),
        )

    # -- operations ------------------------------------------------------------------------
    def operator_router(self, principal: PrincipalDependency) -> APIRouter:
        return operator_router(
            service=self.name,
            engine=self.engine,
            tables=self.tables,
            consumed_topics=self.consumed_topics(),
            clock=self.clock,
            principal=principal,
        )

    def dlq_of(self, topic: str) -> str:
        return f"{topic}.{self.name}.dlq"

    async def carry_out_replay(self) -> int:
        """Carry out the oldest replay an operator asked for (the worker's part)."""
        s = self.settings
        store = ReplayStore(self.engine, self.tables.replays, self.tables.dead_letters)
        replayer = KafkaDlqReplayer(
            s.kafka_bootstrap_servers, f"{self.name}.dlq-replay", **s.kafka_security()
        )
        return await carry_out_next(store, replayer, self.clock, self.dlq_of)

    def maintenance_loops(self) -> list[PeriodicLoop]:
        """The worker's loops besides the relay: replays asked by operators, retention of
        the messaging tables, the dead-letter gauge."""
        s = self.settings
        dead_letters = SqlDeadLetterStore(self.engine, self.tables.dead_letters)
        retention = Retention(
            self.engine,
            self.tables,
            self.clock,
            outbox_days=s.outbox_retention_days,
            inbox_days=s.inbox_retention_days,
            dead_letters_days=s.dead_letters_retention_days,
        )

        async def gauge() -> int:
            DEAD_LETTERS_STORED.labels(self.name).set(await dead_letters.count_pending())
            return 0

        return [
            PeriodicLoop("dlq-replayer", self.carry_out_replay, s.dlq_replay_interval_s),
            PeriodicLoop("retention", retention.purge, s.retention_interval_s),
            PeriodicLoop("dead-letter-gauge", gauge, 15.0),
        ]


def service_root(module_file: str) -> Path:
    """A service's folder from its ``bootstrap.py`` (``src/<name>/bootstrap.py``)."""
    return Path(module_file).resolve().parents[2]


@dataclass
class ServiceApp:
    """The base of each service's application object (its ``bootstrap`` builds one): the
    runtime, and what every service's processes and tests ask of it."""

    runtime: ServiceRuntime

    @property
    def engine(self) -> AsyncEngine:
        return self.runtime.engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.runtime.sessions

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    async def migrate(self) -> None:
        await upgrade(self.runtime.engine, self.runtime.migrations)

    async def stop(self) -> None:
        await self.runtime.dispose()
