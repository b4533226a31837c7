"""``python -m mandates.entrypoints.worker``: the registry and firms' read models, radiations,
the key letters' status, and the outbox relay."""

from __future__ import annotations

from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1 as notifications_v1
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app

from mandates.bootstrap import MandatesApp, bootstrap
from mandates.config import MandatesSettings
from mandates.service_layer import consumers


def router(app: MandatesApp) -> EventRouter:
    """Every subscription of mandates' worker, and what it publishes."""
    events = app.runtime.new_router()
    events.on(
        identity_v1.AFFILIATE,
        app.on_affiliate,
        purpose="registry",
        event_types=consumers.AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    events.on(
        identity_v1.CABINET, app.on_cabinet, purpose="firms", event_types=consumers.CABINET_TYPES
    )
    events.on(
        identity_v1.ACCOUNT, app.on_account, purpose="users", event_types=consumers.ACCOUNT_TYPES
    )
    events.on(
        notifications_v1.DELIVERY,
        app.on_letter_status,
        purpose="letters",
        event_types=consumers.LETTER_TYPES,
        batch_handler=app.on_letter_statuses,
    )
    events.publishes(
        mandates_v1.MANDATE,
        mandates_v1.MandateKeyIssuedV1,
        mandates_v1.MandateLetterStatusChangedV1,
        mandates_v1.MandateActivatedV1,
        mandates_v1.MandateLockedV1,
        mandates_v1.MandateEndedV1,
        mandates_v1.MandateDeletedV1,
        mandates_v1.MandateMovedV1,
    )
    events.publishes(
        mandates_v1.PORTFOLIO,
        mandates_v1.PortfolioCreatedV1,
        mandates_v1.PortfolioRenamedV1,
        mandates_v1.PortfolioDeletedV1,
        mandates_v1.PortfolioSubscriberAddedV1,
        mandates_v1.PortfolioSubscriberRemovedV1,
        mandates_v1.PortfolioTransferredV1,
    )
    return events


def build(settings: MandatesSettings | None = None) -> WorkerApp:
    app = bootstrap(settings or MandatesSettings())
    return worker_app(app.runtime, router(app), on_shutdown=[app.stop])


def main() -> None:
    serve_worker(build, "mandates", 8132)


if __name__ == "__main__":
    main()
