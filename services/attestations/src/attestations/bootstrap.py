"""The composition root of attestations: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from attestations.adapters import orm
from attestations.adapters.keys import KeyRing
from attestations.adapters.pades import PadesSealer, ensure_self_signed
from attestations.adapters.pdf import PdfRenderer
from attestations.adapters.unit_of_work import AttestationsSqlUnitOfWork
from attestations.config import AttestationsSettings
from attestations.domain import commands
from attestations.domain.model import Content
from attestations.service_layer import consumers, handlers
from delegation import Quarantine
from servicekit.bus import Handler, MessageBus
from servicekit.clock import Clock
from servicekit.lease import Lease
from servicekit.loops import PeriodicLoop
from servicekit.messaging import IncomingEvent
from servicekit.ratelimit import DatabaseLimiter
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

MIGRATIONS = service_root(__file__) / "migrations"

HANDLERS: Mapping[type, Handler[AttestationsSqlUnitOfWork, handlers.Dependencies]] = {
    commands.IssueAttestation: handlers.issue_attestation,
    commands.RevokeAttestation: handlers.revoke_attestation,
    commands.NoticeRenewals: handlers.notice_renewals,
}
QUERIES: Mapping[type, Handler[AttestationsSqlUnitOfWork, handlers.Dependencies]] = {
    commands.ReadAttestation: handlers.read_attestation,
    commands.ListAttestations: handlers.list_attestations,
    commands.VerifyCode: handlers.verify_code,
    commands.ReadPensionPayments: handlers.pension_history,
}


class LazyRenderer:
    """The PDF renderer, its PAdES key made or read at the first start, not at build."""

    def __init__(self, settings: AttestationsSettings) -> None:
        self._settings = settings
        self._renderer: PdfRenderer | None = None

    def start(self) -> None:
        sealer = None
        if self._settings.pades:
            sealer = PadesSealer(*ensure_self_signed(Path(self._settings.data_dir) / "pades"))
        self._renderer = PdfRenderer(sealer)

    async def render(self, code: str, content: Content, payload: str) -> bytes:
        if self._renderer is None:
            self.start()
        assert self._renderer is not None
        return await self._renderer.render(code, content, payload)


@dataclass
class AttestationsApp(ServiceApp):
    settings: AttestationsSettings
    keys: KeyRing
    renderer: LazyRenderer
    bus: MessageBus[AttestationsSqlUnitOfWork, handlers.Dependencies] = field(init=False)
    queries: MessageBus[AttestationsSqlUnitOfWork, handlers.Dependencies] = field(init=False)

    def __post_init__(self) -> None:
        deps = handlers.Dependencies(self.clock, self.keys, self.renderer)
        self.bus = MessageBus(HANDLERS, self.new_uow, deps)
        self.queries = MessageBus(QUERIES, partial(self.new_uow, read_only=True), deps)

    def limiter(self, per_minute: int) -> DatabaseLimiter:
        """A rate limit counted in the service's database: shared by every copy of the api."""
        return DatabaseLimiter(self.runtime.engine, orm.rate_limits, per_minute, 60.0)

    def new_uow(self, *, read_only: bool = False) -> AttestationsSqlUnitOfWork:
        return self.runtime.new_uow(AttestationsSqlUnitOfWork, read_only=read_only)

    async def start(self) -> None:
        """The api's start: the signing keys and the PAdES certificate (made the first time)."""
        self.keys.load()
        self.renderer.start()

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    def renewal_loop(self) -> PeriodicLoop:
        """The worker's look for vigilance certificates about to end, by the copy that holds
        the ``renewals`` lease."""
        lease = Lease(
            self.engine, orm.messaging.lease, name="renewals", clock=self.clock, ttl_s=120.0
        )

        async def step() -> int:
            if not await lease.hold():
                return 0
            noticed: int = await self.bus.handle(
                commands.NoticeRenewals(self.settings.renewal_days_before)
            )
            return noticed

        return PeriodicLoop("renewals", step, self.settings.renewal_interval_s)

    def quarantine(self) -> Quarantine:
        return Quarantine(self.engine, orm.access)

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.on_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_affiliates(events, self.new_uow())

    async def on_payment(self, event: IncomingEvent) -> None:
        await consumers.on_payment(event, self.new_uow())

    async def on_payments(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_payments(events, self.new_uow())

    async def on_pension(self, event: IncomingEvent) -> None:
        await consumers.on_pension(event, self.new_uow())

    async def on_pensions(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_pensions(events, self.new_uow())

    async def on_access_event(self, event: IncomingEvent) -> None:
        await consumers.on_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_access_events(events, self.new_uow())


def bootstrap(
    settings: AttestationsSettings | None = None, *, clock: Clock | None = None
) -> AttestationsApp:
    settings = settings or AttestationsSettings()
    runtime = ServiceRuntime.create(
        "attestations", settings, tables=orm.messaging, migrations=MIGRATIONS, clock=clock
    )
    keys = KeyRing(Path(settings.data_dir) / "signing")
    return AttestationsApp(runtime, settings, keys, LazyRenderer(settings))
