"""The composition root of mandates: the only module that knows the concrete adapters."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from servicekit.bus import Handler, MessageBus
from servicekit.clock import Clock
from servicekit.messaging import IncomingEvent
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

from mandates.adapters import orm
from mandates.adapters.sealing import NotificationsKeySealer
from mandates.adapters.spreadsheet import SheetLimits, SpreadsheetReader
from mandates.adapters.unit_of_work import MandatesSqlUnitOfWork
from mandates.config import MandatesSettings
from mandates.domain import commands
from mandates.domain.sheets import ParsedSheet
from mandates.service_layer import assures, consumers, handlers, imports, portfolios
from mandates.service_layer.handlers import Dependencies

MIGRATIONS = service_root(__file__) / "migrations"

HANDLERS: Mapping[type[commands.Command], Handler[MandatesSqlUnitOfWork, Dependencies]] = {
    commands.AddClient: handlers.add_client,
    commands.ReissueKey: handlers.reissue_key,
    commands.ActivateMandate: handlers.activate_mandate,
    commands.DeleteClient: handlers.delete_client,
    commands.MoveClient: handlers.move_client,
    commands.ImportClients: imports.import_clients,
    commands.RevokeMandate: assures.revoke_mandate,
    commands.CreatePortfolio: portfolios.create_portfolio,
    commands.RenamePortfolio: portfolios.rename_portfolio,
    commands.DeletePortfolio: portfolios.delete_portfolio,
    commands.AddSubscriber: portfolios.add_subscriber,
    commands.RemoveSubscriber: portfolios.remove_subscriber,
    commands.TransferPortfolio: portfolios.transfer_portfolio,
}


@dataclass
class MandatesApp(ServiceApp):
    settings: MandatesSettings
    deps: Dependencies
    spreadsheets: SpreadsheetReader
    bus: MessageBus[MandatesSqlUnitOfWork, Dependencies] = field(init=False)
    _parsing: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bus = MessageBus(HANDLERS, self.new_uow, self.deps)
        self._parsing = asyncio.Semaphore(self.settings.import_parallel_parses)

    def new_uow(self, *, read_only: bool = False) -> MandatesSqlUnitOfWork:
        return self.runtime.new_uow(MandatesSqlUnitOfWork, read_only=read_only)

    async def read_spreadsheet(self, data: bytes, content_type: str) -> tuple[ParsedSheet, str]:
        """A client spreadsheet's rows and the file's SHA-256, or
        :class:`errors.SpreadsheetRefused`. Read in a worker thread, never on the event loop
        (the reader bounds its own time, cells and sizes), ``import_parallel_parses`` files at
        once at most."""
        async with self._parsing:
            return await asyncio.to_thread(self.spreadsheets.read_with_digest, data, content_type)

    async def freeze_startup_objects(self) -> None:
        """What the api built at start is moved out of the garbage collector's reach
        (``gc.freeze``): a full collection, which reading a large sheet triggers, then walks
        only the objects made since, and pauses every request for milliseconds, not for
        tenths of a second."""
        gc.freeze()

    async def unfreeze_objects(self) -> None:
        """At the api's stop, what :meth:`freeze_startup_objects` froze is collectable again
        (an app built and stopped in one process, as the tests do, leaves nothing behind)."""
        gc.unfreeze()

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.on_affiliate(event, self.new_uow(), self.deps)

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_affiliates(events, self.new_uow(), self.deps)

    async def on_cabinet(self, event: IncomingEvent) -> None:
        await consumers.on_cabinet(event, self.new_uow(), self.deps)

    async def on_account(self, event: IncomingEvent) -> None:
        await consumers.on_account(event, self.new_uow())

    async def on_letter_status(self, event: IncomingEvent) -> None:
        await consumers.on_letter_status(event, self.new_uow(), self.deps)

    async def on_letter_statuses(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_letter_statuses(events, self.new_uow(), self.deps)


def bootstrap(
    settings: MandatesSettings | None = None, *, clock: Clock | None = None
) -> MandatesApp:
    settings = settings or MandatesSettings()
    if not settings.notifications_public_key:
        raise RuntimeError("NOTIFICATIONS_SEAL_PUBLIC_KEY is required to seal activation keys")
    runtime = ServiceRuntime.create(
        "mandates", settings, tables=orm.messaging, migrations=MIGRATIONS, clock=clock
    )
    deps = Dependencies(runtime.clock, NotificationsKeySealer(settings.notifications_public_key))
    reader = SpreadsheetReader(
        SheetLimits(
            max_rows=settings.import_max_rows,
            max_columns=settings.import_max_columns,
            max_cells=settings.import_max_cells,
            max_line_chars=settings.import_max_line_chars,
            max_expanded_bytes=settings.import_max_expanded_bytes,
            max_seconds=settings.import_max_parse_seconds,
        )
    )
    return MandatesApp(runtime, settings, deps, reader)
