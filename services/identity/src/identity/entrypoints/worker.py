"""``python -m identity.entrypoints.worker``: identity's outbox relay and its consumers
(the business registry's feed, the delegated-access read model)."""

from __future__ import annotations

from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.partners import v1 as partners_v1
from delegation import follow_access
from servicekit.messaging import EventRouter
from servicekit.worker import WorkerApp, serve_worker, worker_app

from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings


def router(app: IdentityApp) -> EventRouter:
    """Every subscription (and publication) of identity's worker."""
    events = app.runtime.new_router()
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
        app.quarantine(),
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


def build(settings: IdentitySettings | None = None) -> WorkerApp:
    app = bootstrap(settings or IdentitySettings())
    return worker_app(app.runtime, router(app), on_shutdown=[app.stop])


def main() -> None:
    serve_worker(build, "identity", 8102)


if __name__ == "__main__":
    main()
