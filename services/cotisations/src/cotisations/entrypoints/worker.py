"""``python -m cotisations.entrypoints.worker``: accounts from the registry, access from
mandates, the bank's returns on debits, the debit day's schedule, and the outbox relay."""

from __future__ import annotations

from contracts.bank import v1 as bank_v1
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from delegation import follow_access
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app

from cotisations.bootstrap import CotisationsApp, bootstrap
from cotisations.config import CotisationsSettings
from cotisations.service_layer.consumers import AFFILIATE_TYPES, RETURN_TYPES


def router(app: CotisationsApp) -> EventRouter:
    """Every subscription of cotisations' worker."""
    events = app.runtime.new_router()
    events.on(
        identity_v1.AFFILIATE,
        app.on_affiliate,
        purpose="accounts",
        event_types=AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    events.on(
        bank_v1.SEPA_RETURNS,
        app.on_sepa_return,
        purpose="bank-returns",
        event_types=RETURN_TYPES,
        batch_handler=app.on_sepa_returns,
    )
    follow_access(
        events,
        (mandates_v1.MANDATE, mandates_v1.PORTFOLIO, identity_v1.CABINET),
        app.on_access_event,
        app.on_access_events,
        app.quarantine(),
    )
    events.publishes(
        cotisations_v1.ACCOUNT,
        cotisations_v1.EstimateAppliedV1,
        cotisations_v1.ScheduleRevisedV1,
        cotisations_v1.IncomeDeclaredV1,
        cotisations_v1.PaymentTermsChangedV1,
        cotisations_v1.TurnoverDeclaredV1,
    )
    events.publishes(
        cotisations_v1.PAYMENT,
        cotisations_v1.PaymentRecordedV1,
        cotisations_v1.PaymentSettledV1,
        cotisations_v1.TelepaymentChangedV1,
        cotisations_v1.PaymentRejectedV1,
        cotisations_v1.DirectDebitMandateSignedV1,
        cotisations_v1.DirectDebitMandateChangedV1,
        cotisations_v1.DirectDebitMandateRevokedV1,
        cotisations_v1.DebitsPrenotifiedV1,
        cotisations_v1.TelepaymentMandateSignedV1,
        cotisations_v1.TelepaymentMandateRevokedV1,
        cotisations_v1.PaymentPlanRequestedV1,
        cotisations_v1.PaymentPlanGrantedV1,
        cotisations_v1.PaymentPlanRefusedV1,
        cotisations_v1.PaymentPlanEndedV1,
        cotisations_v1.StandingChangedV1,
    )
    return events


def build(settings: CotisationsSettings | None = None) -> WorkerApp:
    app = bootstrap(settings or CotisationsSettings())
    return worker_app(
        app.runtime,
        router(app),
        loops=[app.debit_day_loop(), app.plan_sweep_loop(), app.standing_sweep_loop()],
        on_shutdown=[app.stop],
    )


def main() -> None:
    serve_worker(build, "cotisations", 8122)


if __name__ == "__main__":
    main()
