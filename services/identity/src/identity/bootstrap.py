"""The composition root of identity: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from servicekit.bus import MessageBus
from servicekit.clock import Clock, SystemClock
from servicekit.db import create_engine, session_factory
from servicekit.messaging import IncomingEvent
from servicekit.migrations import upgrade
from servicekit.relay import OutboxRelay, aiokafka_producer_factory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.adapters.security import Argon2PasswordHasher, NotificationsSealer, RandomTokens
from identity.adapters.signing import KeyStore
from identity.adapters.unit_of_work import IdentitySqlUnitOfWork
from identity.config import IdentitySettings
from identity.domain import commands
from identity.service_layer import (
    access,
    assures,
    auth,
    collaborators,
    credentials,
    handlers,
    personal,
    registry,
)
from identity.service_layer.ports import PasswordHasher

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

HANDLERS = {
    commands.RegisterCabinet: handlers.register_cabinet,
    commands.ActivateAccount: handlers.activate_account,
    commands.RegisterAssure: assures.register_assure,
    commands.RenewActivation: assures.renew_activation,
    commands.RequestPasswordReset: credentials.request_reset,
    commands.ResetPassword: credentials.reset_password,
    commands.RequestEmailChange: credentials.request_change,
    commands.ConfirmEmailChange: credentials.confirm_change,
    commands.ChangePersonalData: personal.change,
    commands.SetThirdPartyConsent: personal.set_consent,
    commands.DeactivateAccount: personal.deactivate,
    commands.InviteCollaborator: collaborators.invite,
    commands.ChangeCabinetUser: collaborators.change,
}
AUTH_HANDLERS = {
    commands.Login: auth.login,
    commands.RefreshSession: auth.refresh,
    commands.Logout: auth.logout,
    commands.CreateAgent: auth.create_agent,
}


@dataclass
class IdentityApp:
    settings: IdentitySettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    bus: MessageBus[IdentitySqlUnitOfWork, handlers.Dependencies]
    keys: KeyStore
    vault: NirVault
    auth_bus: MessageBus[IdentitySqlUnitOfWork, auth.AuthDependencies]

    def new_uow(self, *, read_only: bool = False) -> IdentitySqlUnitOfWork:
        uow = IdentitySqlUnitOfWork(
            self.sessions,
            outbox_table=orm.outbox,
            inbox_table=orm.inbox,
            source="identity",
            clock=self.clock,
            read_only=read_only,
        )
        uow.vault = self.vault
        return uow

    async def on_access_event(self, event: IncomingEvent) -> None:
        await access.record_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await access.record_access_events(events, self.new_uow())

    async def on_registry_record(self, event: IncomingEvent) -> None:
        await registry.record_affiliation(event, self.new_uow(), self.bus.deps)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            self.engine,
            orm.outbox,
            service="identity",
            producer_factory=aiokafka_producer_factory(
                self.settings.kafka_bootstrap_servers, "identity-relay"
            ),
            clock=self.clock,
            batch_size=self.settings.outbox_batch_size,
            poll_interval_s=self.settings.outbox_poll_interval_s,
        )

    async def migrate(self) -> None:
        await upgrade(self.engine, MIGRATIONS)

    async def start_api(self) -> None:
        if self.settings.migrate_on_start:
            await self.migrate()
        await self.keys.load()

    async def stop(self) -> None:
        await self.engine.dispose()


def bootstrap(
    settings: IdentitySettings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
) -> IdentityApp:
    settings = settings or IdentitySettings()
    if not settings.notifications_public_key:
        raise RuntimeError("NOTIFICATIONS_SEAL_PUBLIC_KEY is required to seal activation links")
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    deps = handlers.Dependencies(
        clock=clock,
        hasher=hasher
        or Argon2PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib),
        sealer=NotificationsSealer(settings.notifications_public_key),
        tokens=RandomTokens(),
        activation_url=settings.activation_url,
        password_reset_url=settings.password_reset_url,
        email_confirmation_url=settings.email_confirmation_url,
    )
    keys = KeyStore(engine, clock)
    if not settings.nir_key:
        raise RuntimeError("IDENTITY_NIR_KEY is required to keep NIRs encrypted at rest")
    vault = NirVault(settings.nir_key)
    app = IdentityApp(settings, engine, sessions, clock, None, keys, vault, None)  # type: ignore[arg-type]
    app.bus = MessageBus(HANDLERS, app.new_uow, deps)  # type: ignore[arg-type]
    auth_deps = auth.AuthDependencies(deps, keys, deps.hasher.hash(RandomTokens().new_token()))
    app.auth_bus = MessageBus(AUTH_HANDLERS, app.new_uow, auth_deps)  # type: ignore[arg-type]
    return app
