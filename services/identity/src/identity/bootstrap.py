"""The composition root of identity: the only module that knows the concrete adapters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from delegation import Quarantine
from servicekit.bus import MessageBus
from servicekit.clock import Clock
from servicekit.logging import get_logger
from servicekit.messaging import IncomingEvent
from servicekit.ratelimit import DatabaseLimiter
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.adapters.security import (
    Argon2PasswordHasher,
    NotificationsSealer,
    PasswordWorkPool,
    RandomTokens,
)
from identity.adapters.signing import KeyCipher, KeyStore
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
from identity.service_layer.ports import PasswordAlgorithm

MIGRATIONS = service_root(__file__) / "migrations"
_log = get_logger(__name__)

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
    commands.EndSession: auth.end_session,
    commands.EndSessions: auth.end_sessions,
    commands.CreateAgent: auth.create_agent,
}


@dataclass
class IdentityApp(ServiceApp):
    settings: IdentitySettings
    bus: MessageBus[IdentitySqlUnitOfWork, handlers.Dependencies]
    keys: KeyStore
    vault: NirVault
    auth_bus: MessageBus[IdentitySqlUnitOfWork, auth.AuthDependencies]
    password_work: PasswordWorkPool

    def quarantine(self) -> Quarantine:
        return Quarantine(self.engine, orm.access)

    def limiter(self, per_minute: int) -> DatabaseLimiter:
        """A rate limit counted in the service's database: shared by every copy of the api."""
        return DatabaseLimiter(self.runtime.engine, orm.rate_limits, per_minute, 60.0)

    def new_uow(self, *, read_only: bool = False) -> IdentitySqlUnitOfWork:
        uow = self.runtime.new_uow(IdentitySqlUnitOfWork, read_only=read_only)
        uow.vault = self.vault
        return uow

    async def on_access_event(self, event: IncomingEvent) -> None:
        await access.record_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await access.record_access_events(events, self.new_uow())

    async def on_registry_record(self, event: IncomingEvent) -> None:
        await registry.record_affiliation(event, self.new_uow(), self.bus.deps)

    async def start_api(self) -> None:
        await self.keys.load()
        self._key_upkeep = asyncio.create_task(self._maintain_keys(), name="signing-keys")

    async def _maintain_keys(self) -> None:
        while True:
            await asyncio.sleep(self.settings.signing_key_check_interval_s)
            try:
                await self.keys.maintain()
            except Exception:  # the next round tries again; the keys in hand stay
                _log.exception("signing_keys_maintenance_failed")

    async def stop_api(self) -> None:
        upkeep = getattr(self, "_key_upkeep", None)
        if upkeep is not None:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
        self.password_work.close()


def bootstrap(
    settings: IdentitySettings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordAlgorithm | None = None,
) -> IdentityApp:
    settings = settings or IdentitySettings()
    if not settings.notifications_public_key:
        raise RuntimeError("NOTIFICATIONS_SEAL_PUBLIC_KEY is required to seal activation links")
    runtime = ServiceRuntime.create(
        "identity", settings, tables=orm.messaging, migrations=MIGRATIONS, clock=clock
    )
    clock = runtime.clock
    algorithm = hasher or Argon2PasswordHasher(
        settings.argon2_time_cost, settings.argon2_memory_kib
    )
    password_work = PasswordWorkPool(
        algorithm, workers=settings.password_hash_workers, queue=settings.password_hash_queue
    )
    deps = handlers.Dependencies(
        clock=clock,
        hasher=password_work,
        sealer=NotificationsSealer(settings.notifications_public_key),
        tokens=RandomTokens(),
        activation_url=settings.activation_url,
        password_reset_url=settings.password_reset_url,
        email_confirmation_url=settings.email_confirmation_url,
    )
    if not settings.nir_key:
        raise RuntimeError("IDENTITY_NIR_KEY is required to keep NIRs encrypted at rest")
    if settings.key_encryption_key:
        cipher = KeyCipher(settings.key_encryption_key)
    elif settings.environment == "production":
        raise RuntimeError(
            "IDENTITY_KEY_ENCRYPTION_KEY is required in production to keep signing keys encrypted"
        )
    else:
        cipher = KeyCipher.derived_from(settings.nir_key)
    keys = KeyStore(
        runtime.engine, clock, cipher, timedelta(days=settings.signing_key_rotation_days)
    )
    vault = NirVault(settings.nir_key)
    app = IdentityApp(runtime, settings, None, keys, vault, None, password_work)  # type: ignore[arg-type]
    app.bus = MessageBus(HANDLERS, app.new_uow, deps)  # type: ignore[arg-type]
    auth_deps = auth.AuthDependencies(
        deps,
        keys,
        algorithm.hash(RandomTokens().new_token()),
        timedelta(days=settings.session_lifetime_days),
        timedelta(seconds=settings.refresh_reuse_grace_s),
    )
    app.auth_bus = MessageBus(AUTH_HANDLERS, app.new_uow, auth_deps)  # type: ignore[arg-type]
    return app
