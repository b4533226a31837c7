"""``python -m notifications.entrypoints.worker``: consumers, the dispatcher and the relay."""

from __future__ import annotations

from contracts.appointments import v1 as appointments_v1
from contracts.attestations import v1 as attestations_v1
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1 as notifications_v1
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app

from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.service_layer.consumers import AFFILIATE_TYPES, CONSUMED_TYPES


def router(app: NotificationsApp) -> EventRouter:
    """Every subscription of notifications' worker."""
    events = app.runtime.new_router()
    for topic in (
        identity_v1.ACCOUNT,
        identity_v1.CABINET,
        mandates_v1.MANDATE,
        mandates_v1.PORTFOLIO,
        cotisations_v1.ACCOUNT,
        cotisations_v1.PAYMENT,
        appointments_v1.APPOINTMENT,
        attestations_v1.ATTESTATION,
    ):
        events.on(
            topic,
            app.on_event,
            purpose="deliveries",
            event_types=set(CONSUMED_TYPES),
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


def build(settings: NotificationsSettings | None = None) -> WorkerApp:
    app = bootstrap(settings or NotificationsSettings())
    return worker_app(
        app.runtime,
        router(app),
        loops=[app.dispatcher(), app.letter_tracker()],
        on_shutdown=[app.stop],
    )


def main() -> None:
    serve_worker(build, "notifications", 8112)


if __name__ == "__main__":
    main()
