"""``python -m mandates.entrypoints.worker``: the registry and firms' read models, radiations,
the key letters' status, and the outbox relay."""

from __future__ import annotations

import os

import uvicorn
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1 as notifications_v1
from faststream.asgi import AsgiFastStream
from servicekit.health import database_check
from servicekit.logging import configure_logging
from servicekit.messaging import EventRouter, RetryPolicy, make_broker
from servicekit.tracing import configure_tracing
from servicekit.worker import create_worker_app

from mandates.bootstrap import MandatesApp, bootstrap
from mandates.config import MandatesSettings
from mandates.service_layer import consumers


def router(app: MandatesApp) -> EventRouter:
    """Every subscription of mandates' worker, and what it publishes."""
    events = EventRouter(
        service="mandates",
        consumer="mandates",
        retry=RetryPolicy(
            max_attempts=app.settings.consumer_max_attempts,
            backoff_initial_s=app.settings.consumer_backoff_initial_s,
            backoff_max_s=app.settings.consumer_backoff_max_s,
        ),
        batch_size=app.settings.consumer_batch_size,
    )
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


def build(settings: MandatesSettings | None = None) -> AsgiFastStream:
    settings = settings or MandatesSettings()
    configure_logging("mandates-worker", json=settings.log_json, level=settings.log_level)
    configure_tracing("mandates-worker", otlp_endpoint=settings.otlp_endpoint)
    app = bootstrap(settings)
    broker = make_broker(settings.kafka_bootstrap_servers, "mandates-worker")
    return create_worker_app(
        broker=broker,
        router=router(app),
        loops=[app.relay()],
        checks=[database_check(app.engine)],
        on_shutdown=[app.stop],
        title="mandates worker",
    )


def main() -> None:
    port = int(os.environ.get("MANDATES_WORKER_PORT", "8132"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
