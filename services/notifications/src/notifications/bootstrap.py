"""The composition root of notifications: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from servicekit.bus import Handler, MessageBus
from servicekit.clock import Clock
from servicekit.loops import PeriodicLoop
from servicekit.messaging import IncomingEvent
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

from notifications.adapters import orm
from notifications.adapters.letters import FolderLetterChannel, HttpLetterProvider
from notifications.adapters.secrets import SealedSecretOpener
from notifications.adapters.smtp import SmtpEmailChannel
from notifications.adapters.templates import PooledRenderer, TemplateRenderer
from notifications.adapters.unit_of_work import NotificationsSqlUnitOfWork
from notifications.config import NotificationsSettings
from notifications.domain import commands
from notifications.domain.model import RetrySchedule
from notifications.service_layer import consumers, dispatch, handlers, queries
from notifications.service_layer.ports import EmailChannel, LetterChannel, NotificationsUnitOfWork

MIGRATIONS = service_root(__file__) / "migrations"

Handlers = Mapping[type[commands.Command], Handler[NotificationsUnitOfWork, handlers.Dependencies]]

HANDLERS: Handlers = {
    commands.RetryDelivery: handlers.retry_delivery,
    commands.DispatchDue: dispatch.dispatch_due,
    commands.TrackLetters: dispatch.track_letters,
}
QUERIES: Handlers = {
    commands.ListDeliveries: queries.list_deliveries,
}


@dataclass
class NotificationsApp(ServiceApp):
    settings: NotificationsSettings
    deps: handlers.Dependencies

    def new_uow(self, *, read_only: bool = False) -> NotificationsSqlUnitOfWork:
        return self.runtime.new_uow(NotificationsSqlUnitOfWork, read_only=read_only)

    @property
    def bus(self) -> MessageBus[NotificationsUnitOfWork, handlers.Dependencies]:
        """The use cases (``HANDLERS``), on the app's dependencies as they are now (a test
        may swap a channel with ``replace(app.deps, ...)``)."""
        return MessageBus(HANDLERS, self.new_uow, self.deps)

    @property
    def queries(self) -> MessageBus[NotificationsUnitOfWork, handlers.Dependencies]:
        """What operators read (``QUERIES``), on read-only units of work."""
        return MessageBus(QUERIES, partial(self.new_uow, read_only=True), self.deps)

    async def on_event(self, event: IncomingEvent) -> None:
        """Consumer entry: plan the deliveries, then let the dispatcher send them."""
        added = await consumers.plan_deliveries(event, self.new_uow(), self.deps)
        if added and self._dispatcher is not None:
            self._dispatcher.wake()

    async def on_events(self, events: Sequence[IncomingEvent]) -> None:
        """Consumer entry for the events of one fetch, in one transaction."""
        added = await consumers.plan_deliveries_batch(events, self.new_uow(), self.deps)
        if added and self._dispatcher is not None:
            self._dispatcher.wake()

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.record_affiliate(event, self.new_uow())

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.record_affiliates(events, self.new_uow())

    async def dispatch(self) -> int:
        attempted: int = await self.bus.handle(
            commands.DispatchDue(self.settings.dispatch_batch_size)
        )
        return attempted

    def letter_tracker(self) -> PeriodicLoop:
        async def step() -> int:
            await self.bus.handle(commands.TrackLetters())
            return 0

        return PeriodicLoop("letter-tracker", step, self.settings.letter_poll_interval_s)

    def dispatcher(self) -> PeriodicLoop:
        self._dispatcher = PeriodicLoop(
            "delivery-dispatcher", self.dispatch, self.settings.dispatch_interval_s
        )
        return self._dispatcher

    _dispatcher: PeriodicLoop | None = None

    async def stop(self) -> None:
        self.deps.renderer.close()
        await super().stop()


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    clock: Clock | None = None,
    email: EmailChannel | None = None,
    letters: LetterChannel | None = None,
) -> NotificationsApp:
    settings = settings or NotificationsSettings()
    if not settings.seal_private_key:
        raise RuntimeError("NOTIFICATIONS_SEAL_PRIVATE_KEY is required to open sealed secrets")
    runtime = ServiceRuntime.create(
        "notifications", settings, tables=orm.messaging, migrations=MIGRATIONS, clock=clock
    )
    clock = runtime.clock
    deps = handlers.Dependencies(
        clock=clock,
        renderer=(
            PooledRenderer(settings.render_processes)
            if settings.render_processes
            else TemplateRenderer()
        ),
        email=email
        or SmtpEmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_s=settings.smtp_timeout_s,
        ),
        letters=letters or _letter_channel(settings),
        opener=SealedSecretOpener(settings.seal_private_key),
        schedule=RetrySchedule(
            max_attempts=settings.delivery_max_attempts,
            initial_s=settings.delivery_backoff_initial_s,
            max_s=settings.delivery_backoff_max_s,
        ),
        sending_timeout=timedelta(seconds=settings.delivery_sending_timeout_s),
    )
    return NotificationsApp(runtime, settings, deps)


def _letter_channel(settings: NotificationsSettings) -> LetterChannel:
    """The folder in development; the provider's API when its URL is configured."""
    if settings.letter_provider_url:
        import httpx

        client = httpx.AsyncClient(
            base_url=settings.letter_provider_url,
            headers={"Authorization": f"Bearer {settings.letter_provider_token}"},
            timeout=30,
        )
        return HttpLetterProvider(client)
    return FolderLetterChannel(Path(settings.letters_dir))
