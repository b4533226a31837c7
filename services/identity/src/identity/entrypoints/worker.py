"""``python -m identity.entrypoints.worker``: identity's outbox relay and its consumers
(the business registry's feed, the delegated-access read model)."""

from __future__ import annotations

import os

import uvicorn
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.partners import v1 as partners_v1
from faststream.asgi import AsgiFastStream
from servicekit.access import follow_access
from servicekit.health import database_check
from servicekit.logging import configure_logging
from servicekit.messaging import EventRouter, RetryPolicy, make_broker
from servicekit.tracing import configure_tracing
from servicekit.worker import create_worker_app

from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings


def router(app: IdentityApp) -> EventRouter:
    """Every subscription (and publication) of identity's worker."""
    events = EventRouter(
        service="identity",
        consumer="identity",
        retry=RetryPolicy(
            max_attempts=app.settings.consumer_max_attempts,
            backoff_initial_s=app.settings.consumer_backoff_initial_s,
            backoff_max_s=app.settings.consumer_backoff_max_s,
        ),
        batch_size=app.settings.consumer_batch_size,
    )
    events.on(
        partners_v1.REGISTRY_AFFILIATION,
        app.on_registry_record,
        purpose="registry",
        event_types={partners_v1.RegistryAffiliationV1.event_type},
    )
    follow_access(
        events,
        (mandates_v1.MANDATE, mandates_v1.PORTFOLIO),
        app.on_access_event,
        app.on_access_events,
    )
    events.publishes(
        identity_v1.CABINET, identity_v1.CabinetRegisteredV1, identity_v1.CabinetUserChangedV1
    )
    events.publishes(
        identity_v1.AFFILIATE,
        identity_v1.AffiliateRegisteredV1,
        identity_v1.AffiliateUpdatedV1,
        identity_v1.AffiliateRadiatedV1,
    )
    events.publishes(
        identity_v1.ACCOUNT,
        identity_v1.AccountRegisteredV1,
        identity_v1.AccountActivationRequestedV1,
        identity_v1.AccountActivatedV1,
        identity_v1.AccountDeactivatedV1,
        identity_v1.AccountPasswordResetRequestedV1,
        identity_v1.AccountEmailChangeRequestedV1,
        identity_v1.AccountEmailChangedV1,
    )
    return events


def build(settings: IdentitySettings | None = None) -> AsgiFastStream:
    settings = settings or IdentitySettings()
    configure_logging("identity-worker", json=settings.log_json, level=settings.log_level)
    configure_tracing("identity-worker", otlp_endpoint=settings.otlp_endpoint)
    app = bootstrap(settings)
    broker = make_broker(settings.kafka_bootstrap_servers, "identity-worker")
    return create_worker_app(
        broker=broker,
        router=router(app),
        loops=[app.relay()],
        checks=[database_check(app.engine)],
        on_shutdown=[app.stop],
        title="identity worker",
    )


def main() -> None:
    port = int(os.environ.get("IDENTITY_WORKER_PORT", "8102"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
