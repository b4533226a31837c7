"""A sample event of every type notifications plans deliveries for."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from contracts.appointments import v1 as appointments_v1
from contracts.base import EventPayload
from contracts.common import PostalAddress, Recipient
from contracts.cotisations import v1 as cotisations_v1
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from servicekit.messaging import IncomingEvent

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
CLAIRE = Recipient(email="claire@cabinet.fr", display_name="Claire Martin")
PAUL = Recipient(email="paul@cabinet.fr", display_name="Paul Leroy")
JEAN = Recipient(email="jean@dupont.fr", display_name="Jean Dupont")
APPOINTMENT: dict[str, Any] = {
    "appointment_id": "RDV-1",
    "person": JEAN,
    "agency_name": "Agence de Paris Centre",
    "agency_address": "10 rue Réaumur, 75003 Paris",
    "reason": "Cotisations",
    "starts_at": datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
    "ends_at": datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
}
PORTFOLIO: dict[str, Any] = {
    "cabinet_id": "cab-1",
    "cabinet_name": "Cabinet Martin",
    "portfolio_id": "pf-1",
    "portfolio_name": "Clients Lyon",
    "occurred_at": NOW,
    "notify": [PAUL],
}


def affiliate(
    affiliate_id: str = "aff-1", email: str | None = "jean@dupont.fr"
) -> identity_v1.AffiliateRegisteredV1:
    return identity_v1.AffiliateRegisteredV1(
        affiliate_id=affiliate_id,
        siren="732829320",
        birth_name="Dupont",
        first_names="Jean",
        category="artisan",
        address=PostalAddress(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon"),
        departement="69",
        email=email,
        affiliated_on=date(2020, 1, 1),
    )


SAMPLE_PAYLOADS: list[EventPayload] = [
    identity_v1.AccountActivationRequestedV1(
        account_id="a1",
        kind="cabinet_user",
        purpose="cabinet_activation",
        email=CLAIRE.email,
        display_name=CLAIRE.display_name,
        cabinet_name="Cabinet Martin",
        sealed_link="sealed:https://id/x?token=t1",
        expires_at=NOW,
    ),
    identity_v1.AccountActivationRequestedV1(
        account_id="a2",
        kind="assure",
        purpose="assure_activation",
        email=JEAN.email,
        display_name=JEAN.display_name,
        sealed_link="sealed:https://id/x?token=t2",
        expires_at=NOW,
    ),
    identity_v1.AccountActivationRequestedV1(
        account_id="a3",
        kind="cabinet_user",
        purpose="collaborator_invitation",
        email=PAUL.email,
        display_name=PAUL.display_name,
        cabinet_name="Cabinet Martin",
        sealed_link="sealed:https://id/x?token=t3",
        expires_at=NOW,
    ),
    identity_v1.AccountEmailChangeRequestedV1(
        account_id="a2",
        new_email="jean@nouveau.fr",
        display_name="Jean Dupont",
        sealed_link="sealed:https://id/e?token=t4",
        expires_at=NOW,
    ),
    identity_v1.AccountPasswordResetRequestedV1(
        account_id="a2",
        email=JEAN.email,
        display_name="Jean Dupont",
        sealed_link="sealed:https://id/r?token=t5",
        expires_at=NOW,
    ),
    identity_v1.AccountRegistrationAttemptedV1(
        account_id="a1",
        email=CLAIRE.email,
        display_name=CLAIRE.display_name,
        attempted_at=NOW,
    ),
    identity_v1.CabinetUserChangedV1(
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        account_id="a3",
        user_name="Paul Leroy",
        change="user_rights_changed",
        notify=[CLAIRE],
        changed_at=NOW,
    ),
    mandates_v1.MandateKeyIssuedV1(
        mandate_id="m1",
        affiliate_id="aff-1",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        sealed_key="sealed:7KQ4-M9XP-2HWN-3RTV-C",
        reference="MND-1",
        issued_at=NOW,
    ),
    mandates_v1.MandateActivatedV1(
        mandate_id="m1",
        affiliate_id="aff-1",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        client_name="Jean Dupont",
        activated_at=NOW,
        notify=[CLAIRE],
    ),
    mandates_v1.MandateEndedV1(
        mandate_id="m1",
        affiliate_id="aff-1",
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        client_name="Jean Dupont",
        ended_by="client",
        ended_at=NOW,
        notify=[CLAIRE],
    ),
    mandates_v1.PortfolioCreatedV1(**PORTFOLIO),
    mandates_v1.PortfolioRenamedV1(**PORTFOLIO, previous_name="Lyon"),
    mandates_v1.PortfolioSubscriberAddedV1(
        **PORTFOLIO, subscriber_account_id="a3", subscriber_name="Paul Leroy"
    ),
    mandates_v1.PortfolioSubscriberRemovedV1(
        **PORTFOLIO, subscriber_account_id="a3", subscriber_name="Paul Leroy"
    ),
    mandates_v1.PortfolioTransferredV1(
        **PORTFOLIO, from_account_id="a1", to_account_id="a4", to_name="Anne Roy"
    ),
    cotisations_v1.EstimateAppliedV1(
        affiliate_id="aff-1",
        client_name="Jean Dupont",
        year=2026,
        estimated_income="42000.00",
        annual_amount="18741.00",
        effective_from=date(2026, 4, 7),
        requested_by=CLAIRE,
        applied_at=NOW,
    ),
    cotisations_v1.ScheduleRevisedV1(
        affiliate_id="aff-1",
        year=2026,
        annual_amount="18741.00",
        effective_from=date(2026, 4, 7),
        instalments=[cotisations_v1.Instalment(due_date=date(2026, 4, 7), amount="1561.75")],
        reference="ECH-1",
        revised_at=NOW,
    ),
    appointments_v1.AppointmentRequestedV1(**APPOINTMENT),
    appointments_v1.AppointmentConfirmedV1(**APPOINTMENT),
    appointments_v1.AppointmentReminderDueV1(**APPOINTMENT),
    appointments_v1.AppointmentCancelledV1(**APPOINTMENT),
]


def incoming(payload: EventPayload, event_id: str | None = None) -> IncomingEvent:
    return IncomingEvent(
        envelope=Envelope(
            id=event_id or str(uuid.uuid4()),
            type=payload.event_type,
            source="tests",
            time=NOW,
            subject="s",
        ),
        data=payload.model_dump(mode="json"),
        topic=payload.topic,
        partition=0,
        offset=0,
    )
