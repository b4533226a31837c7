"""``python -m notifications.entrypoints.worker``: consumers, the dispatcher and the relay."""

from __future__ import annotations

import os

import uvicorn
from contracts.appointments import v1 as appointments_v1
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1 as notifications_v1
from faststream.asgi import AsgiFastStream
from servicekit.health import database_check
from servicekit.logging import configure_logging
from servicekit.messaging import EventRouter, RetryPolicy, make_broker
from servicekit.tracing import configure_tracing
from servicekit.worker import create_worker_app

from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.service_layer.handlers import AFFILIATE_TYPES
from notifications.service_layer.planning import PLANNERS


def router(app: NotificationsApp) -> EventRouter:
    """Every subscription of notifications' worker."""
    events = EventRouter(
        service="notifications",
        consumer="notifications",
        retry=RetryPolicy(
            max_attempts=app.settings.consumer_max_attempts,
            backoff_initial_s=app.settings.consumer_backoff_initial_s,
            backoff_max_s=app.settings.consumer_backoff_max_s,
        ),
        batch_size=app.settings.consumer_batch_size,
    )
    for topic in (
        identity_v1.ACCOUNT,
        identity_v1.CABINET,
        mandates_v1.MANDATE,
        mandates_v1.PORTFOLIO,
        cotisations_v1.ACCOUNT,
        appointments_v1.APPOINTMENT,
    ):
        events.on(
            topic,
            app.on_event,
            purpose="deliveries",
            event_types=set(PLANNERS),
            batch_handler=app.on_events,
        )
    events.on(
        identity_v1.AFFILIATE,
        app.on_affiliate,
        purpose="directory",
        event_types=AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    events.publishes(
        notifications_v1.DELIVERY,
        notifications_v1.MessageSentV1,
        notifications_v1.MessageFailedV1,
        notifications_v1.LetterStatusChangedV1,
    )
    return events


def build(settings: NotificationsSettings | None = None) -> AsgiFastStream:
    settings = settings or NotificationsSettings()
    configure_logging("notifications-worker", json=settings.log_json, level=settings.log_level)
    configure_tracing("notifications-worker", otlp_endpoint=settings.otlp_endpoint)
    app = bootstrap(settings)
    broker = make_broker(settings.kafka_bootstrap_servers, "notifications-worker")

    async def migrate() -> None:
        if settings.migrate_on_start:
            await app.migrate()

    return create_worker_app(
        broker=broker,
        router=router(app),
        loops=[app.dispatcher(), app.letter_tracker(), app.dlq_replayer(), app.relay()],
        checks=[database_check(app.engine)],
        on_startup=[migrate],
        on_shutdown=[app.stop],
        title="notifications worker",
    )


def main() -> None:
    port = int(os.environ.get("NOTIFICATIONS_WORKER_PORT", "8112"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
