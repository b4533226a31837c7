"""``python -m cotisations.entrypoints.worker``: accounts from the registry, access from
mandates, and the outbox relay."""

from __future__ import annotations

import os

import uvicorn
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from faststream.asgi import AsgiFastStream
from servicekit.access import follow_access
from servicekit.health import database_check
from servicekit.logging import configure_logging
from servicekit.messaging import EventRouter, RetryPolicy, make_broker
from servicekit.tracing import configure_tracing
from servicekit.worker import create_worker_app

from cotisations.bootstrap import CotisationsApp, bootstrap
from cotisations.config import CotisationsSettings
from cotisations.service_layer.consumers import AFFILIATE_TYPES


def router(app: CotisationsApp) -> EventRouter:
    """Every subscription of cotisations' worker."""
    events = EventRouter(
        service="cotisations",
        consumer="cotisations",
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
        purpose="accounts",
        event_types=AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    follow_access(
        events,
        (mandates_v1.MANDATE, mandates_v1.PORTFOLIO, identity_v1.CABINET),
        app.on_access_event,
        app.on_access_events,
    )
    events.publishes(
        cotisations_v1.ACCOUNT,
        cotisations_v1.EstimateAppliedV1,
        cotisations_v1.ScheduleRevisedV1,
        cotisations_v1.IncomeDeclaredV1,
        cotisations_v1.PaymentTermsChangedV1,
        cotisations_v1.TurnoverDeclaredV1,
    )
    return events


def build(settings: CotisationsSettings | None = None) -> AsgiFastStream:
    settings = settings or CotisationsSettings()
    configure_logging("cotisations-worker", json=settings.log_json, level=settings.log_level)
    configure_tracing("cotisations-worker", otlp_endpoint=settings.otlp_endpoint)
    app = bootstrap(settings)
    broker = make_broker(settings.kafka_bootstrap_servers, "cotisations-worker")
    return create_worker_app(
        broker=broker,
        router=router(app),
        loops=[app.relay()],
        checks=[database_check(app.engine)],
        on_shutdown=[app.stop],
        title="cotisations worker",
    )


def main() -> None:
    port = int(os.environ.get("COTISATIONS_WORKER_PORT", "8122"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
