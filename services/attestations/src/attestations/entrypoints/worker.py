"""``python -m attestations.entrypoints.worker``: the registry's and payments' read models,
delegated access, and the outbox relay."""

from __future__ import annotations

from attestations.bootstrap import AttestationsApp, bootstrap
from attestations.config import AttestationsSettings
from attestations.service_layer.consumers import AFFILIATE_TYPES, PAYMENT_TYPES, PENSION_TYPES
from contracts.attestations import v1 as attestations_v1
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.partners import v1 as partners_v1
from delegation import follow_access
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app


def router(app: AttestationsApp) -> EventRouter:
    """Every subscription of attestations' worker, and what it publishes."""
    events = app.runtime.new_router()
    events.on(
        identity_v1.AFFILIATE,
        app.on_affiliate,
        purpose="registry",
        event_types=AFFILIATE_TYPES,
        batch_handler=app.on_affiliates,
    )
    events.on(
        cotisations_v1.PAYMENT,
        app.on_payment,
        purpose="payments",
        event_types=PAYMENT_TYPES,
        batch_handler=app.on_payments,
    )
    events.on(
        partners_v1.PENSIONS_PAYMENT,
        app.on_pension,
        purpose="pensions",
        event_types=PENSION_TYPES,
        batch_handler=app.on_pensions,
    )
    follow_access(
        events,
        (mandates_v1.MANDATE, mandates_v1.PORTFOLIO, identity_v1.CABINET),
        app.on_access_event,
        app.on_access_events,
        app.quarantine(),
    )
    events.publishes(
        attestations_v1.ATTESTATION,
        attestations_v1.AttestationIssuedV1,
        attestations_v1.AttestationRevokedV1,
        attestations_v1.AttestationExpiringV1,
    )
    return events


def build(settings: AttestationsSettings | None = None) -> WorkerApp:
    app = bootstrap(settings or AttestationsSettings())
    return worker_app(app.runtime, router(app), loops=[app.renewal_loop()], on_shutdown=[app.stop])


def main() -> None:
    serve_worker(build, "attestations", 8142)


if __name__ == "__main__":
    main()
