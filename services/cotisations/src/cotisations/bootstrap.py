"""The composition root of cotisations: the only module that knows the concrete adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from delegation import Quarantine
from servicekit.bus import Handler, MessageBus
from servicekit.clock import Clock, SystemClock
from servicekit.lease import Lease
from servicekit.logging import get_logger
from servicekit.loops import PeriodicLoop
from servicekit.messaging import IncomingEvent
from servicekit.runtime import ServiceApp, ServiceRuntime, service_root

from cotisations.adapters import orm
from cotisations.adapters.bank import FolderBankChannel, SepaxmlDebitFileWriter
from cotisations.adapters.business_date import BusinessDateClock
from cotisations.adapters.unit_of_work import CotisationsSqlUnitOfWork
from cotisations.config import CotisationsSettings
from cotisations.domain import commands
from cotisations.domain import payment_commands as pay
from cotisations.domain.payments import commands as payment_commands
from cotisations.service_layer import consumers, handlers, opening, payments, queries, standings
from cotisations.service_layer import telepayment_handlers as tele
from cotisations.service_layer.ports import BankChannel, CotisationsUnitOfWork

MIGRATIONS = service_root(__file__) / "migrations"

Handlers = dict[type[commands.Command], Handler[CotisationsUnitOfWork, handlers.Dependencies]]

HANDLERS: Handlers = {
    commands.ApplyEstimate: handlers.apply_estimate,
    commands.DeclareIncome: handlers.declare_income,
    commands.DeclareTurnover: handlers.declare_turnover,
    commands.ChangePeriodicity: handlers.change_periodicity,
    commands.ChangeDebitDay: handlers.change_debit_day,
    pay.AdhereTelepayment: tele.adhere,
    pay.RevokeTelepayment: tele.revoke,
    pay.MakeTelepayment: tele.make_telepayment,
    pay.ChangeTelepayment: tele.change_telepayment,
    pay.RequestPlan: tele.request_plan,
    pay.DecidePlan: tele.decide_plan,
    pay.SweepMissedPlans: tele.sweep_missed_plans,
    pay.SweepStandings: standings.sweep_standings,
    payment_commands.RecordPayment: payments.record_payment,
    payment_commands.RecordOpeningBalance: opening.record_opening_balance,
    payment_commands.SignDirectDebit: payments.sign_direct_debit,
    payment_commands.RevokeDirectDebit: payments.revoke_direct_debit,
    payment_commands.RunDebitDay: payments.run_debit_day,
    payment_commands.RunDueDebitDays: payments.run_due_debit_days,
    payment_commands.DeliverDebitFiles: payments.deliver_debit_files,
    payment_commands.PublishBankReturns: payments.publish_bank_returns,
}
QUERIES: Handlers = {
    commands.ReadAccount: queries.read_account,
    commands.PreviewEstimate: queries.preview_estimate,
    commands.ReadCareer: queries.read_career,
    pay.ReadPayables: tele.read_payables,
    pay.PreviewTelepayment: tele.preview_telepayment,
    pay.PreviewPlan: tele.preview_plan,
    payment_commands.ReadPayments: payments.read_payments,
    payment_commands.ReadDirectDebit: payments.read_direct_debit,
}

_log = get_logger(__name__)


@dataclass
class CotisationsApp(ServiceApp):
    settings: CotisationsSettings
    bank: BankChannel | None = None
    bus: MessageBus[CotisationsUnitOfWork, handlers.Dependencies] = field(init=False)
    """The use cases that change an account (``HANDLERS``)."""
    queries: MessageBus[CotisationsUnitOfWork, handlers.Dependencies] = field(init=False)
    """What the account shows (``QUERIES``), on read-only units of work."""
    _standing_sweep: PeriodicLoop | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        s = self.settings
        deps = handlers.Dependencies(
            clock=self.clock,
            creditor=handlers.Creditor(s.creditor_id, s.creditor_name),
            ledger_opens_on=s.ledger_opens_on,
            debit_writer=SepaxmlDebitFileWriter(
                s.creditor_name, s.creditor_iban, s.creditor_bic, s.creditor_id
            ),
            bank=self.bank or FolderBankChannel(Path(s.bank_files_dir)),
        )
        self.bus = MessageBus(HANDLERS, self.new_uow, deps)
        self.queries = MessageBus(QUERIES, partial(self.new_uow, read_only=True), deps)

    def new_uow(self, *, read_only: bool = False) -> CotisationsSqlUnitOfWork:
        return self.runtime.new_uow(CotisationsSqlUnitOfWork, read_only=read_only)

    def quarantine(self) -> Quarantine:
        return Quarantine(self.engine, orm.access)

    async def on_affiliate(self, event: IncomingEvent) -> None:
        await consumers.on_affiliate(event, self.new_uow(), self.clock.now().date())
        self._opened()

    async def on_affiliates(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_affiliates(events, self.new_uow(), self.clock.now().date())
        self._opened()

    def _opened(self) -> None:
        """An account may have opened: the standing sweep looks for those with no standing
        published at once, not at its next tick (attestations then knows a new affilié is up
        to date within a second, not within ``COTISATIONS_DEBIT_RUN_INTERVAL_S``)."""
        if self._standing_sweep is not None:
            self._standing_sweep.wake()

    async def on_sepa_return(self, event: IncomingEvent) -> None:
        await consumers.on_sepa_return(event, self.new_uow(), self.clock.now())

    async def on_sepa_returns(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_sepa_returns(events, self.new_uow(), self.clock.now())

    async def run_debit_days(self) -> list[payments.DebitRun]:
        runs: list[payments.DebitRun] = await self.bus.handle(payment_commands.RunDueDebitDays())
        return runs

    def debit_day_loop(self) -> PeriodicLoop:
        """The worker's schedule: each tick, the business date's debit run if it has not run
        yet (its row guards it), and the days missed since the last run, by the copy that
        holds the ``debit-run`` lease."""
        lease = Lease(
            self.engine, orm.messaging.lease, name="debit-run", clock=self.clock, ttl_s=120.0
        )

        async def step() -> int:
            if not await lease.hold():
                return 0
            await self.run_debit_days()
            await self.bus.handle(payment_commands.DeliverDebitFiles())
            return 0

        return PeriodicLoop("debit-day", step, self.settings.debit_run_interval_s)

    async def sweep_missed_plans(self) -> tele.PlanSweep:
        sweep: tele.PlanSweep = await self.bus.handle(pay.SweepMissedPlans())
        return sweep

    async def sweep_standings(self, only_new: bool = False) -> standings.StandingSweep:
        sweep: standings.StandingSweep = await self.bus.handle(pay.SweepStandings(only_new))
        return sweep

    def standing_sweep_loop(self) -> PeriodicLoop:
        """The worker's daily sweep of the accounts' standings, by the copy that holds the
        ``standing-sweep`` lease: every account once a business day per process (a copy taking
        the lease over the same day sweeps again and finds nothing to publish), and at every
        other tick, and whenever a registry event was applied, the accounts opened since, whose
        first standing is then published at once."""
        lease = Lease(
            self.engine, orm.messaging.lease, name="standing-sweep", clock=self.clock, ttl_s=300.0
        )
        swept_on: list[date] = []

        async def step() -> int:
            today = self.clock.now().date()
            if not await lease.hold():
                return 0
            if today in swept_on:
                return (await self.sweep_standings(only_new=True)).published
            published = (await self.sweep_standings()).published
            swept_on[:] = [today]
            return published

        self._standing_sweep = PeriodicLoop(
            "standing-sweep", step, self.settings.debit_run_interval_s
        )
        return self._standing_sweep

    def plan_sweep_loop(self) -> PeriodicLoop:
        """The worker's daily sweep of the plans with a missed instalment, by the copy that
        holds the ``plan-sweep`` lease; run each tick (as the debit day), it ends a plan the
        day after its missed instalment's due date, and finds nothing more that day."""
        lease = Lease(
            self.engine, orm.messaging.lease, name="plan-sweep", clock=self.clock, ttl_s=120.0
        )

        async def step() -> int:
            if not await lease.hold():
                return 0
            return len((await self.sweep_missed_plans()).ended)

        return PeriodicLoop("plan-sweep", step, self.settings.debit_run_interval_s)

    async def on_access_event(self, event: IncomingEvent) -> None:
        await consumers.on_access_event(event, self.new_uow())

    async def on_access_events(self, events: Sequence[IncomingEvent]) -> None:
        await consumers.on_access_events(events, self.new_uow())


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
    settings: CotisationsSettings | None = None,
    *,
    clock: Clock | None = None,
    bank: BankChannel | None = None,
) -> CotisationsApp:
    settings = settings or CotisationsSettings()
    runtime = ServiceRuntime.create(
        "cotisations",
        settings,
        tables=orm.messaging,
        migrations=MIGRATIONS,
        clock=clock or business_clock(settings),
    )
    return CotisationsApp(runtime, settings, bank)
