"""A sample event of every type notifications plans deliveries for."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from contracts.appointments import v1 as appointments_v1
from contracts.attestations import v1 as attestations_v1
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
    "agency_id": "paris-centre",
    "agency_name": "Agence de Paris Centre",
    "agency_address": "10 rue Réaumur, 75003 Paris",
    "channel": "agence",
    "object_label": "Cotisations",
    "reason": "Délai de paiement",
    "starts_at": datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
    "ends_at": datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
    "sequence": 1,
    "sealed_manage_link": "sealed:https://mon-compte.example/rendez-vous/RDV-1?jeton=m1",
}
"""An appointment on Tuesday 10 March 2026 at 10 h 30, Paris time."""
MOVED: dict[str, Any] = {
    **APPOINTMENT,
    "starts_at": datetime(2026, 3, 12, 13, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 3, 12, 13, 30, tzinfo=UTC),
    "previous_starts_at": APPOINTMENT["starts_at"],
    "previous_ends_at": APPOINTMENT["ends_at"],
    "sequence": 2,
}
STANDING = cotisations_v1.AccountStanding(
    as_of=date(2026, 2, 9),
    balance_due="310.00",
    overdue="310.00",
    oldest_overdue_due_date=date(2026, 2, 9),
    pending="0.00",
    up_to_date=False,
)
PLAN_INSTALMENTS = [
    cotisations_v1.PlanInstalment(number=1, due_date=date(2026, 3, 5), amount="162.75"),
    cotisations_v1.PlanInstalment(number=2, due_date=date(2026, 4, 7), amount="162.75"),
]
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
    cotisations_v1.PaymentRecordedV1(
        affiliate_id="aff-1",
        payment_id="TP-1",
        mode="telepaiement",
        amount="310.00",
        value_date=date(2026, 2, 5),
        status="pending",
        paid=[
            cotisations_v1.PaidItem(
                reference="instalment:2026-02-05",
                kind="call",
                due_date=date(2026, 2, 5),
                amount="310.00",
            )
        ],
        standing=STANDING,
        requested_by=CLAIRE,
        recorded_at=NOW,
    ),
    cotisations_v1.TelepaymentChangedV1(
        affiliate_id="aff-1",
        payment_id="telepayment:TP-1",
        external_reference="TP-1",
        amount="200.00",
        previous_amount="310.00",
        parts=[
            cotisations_v1.TelepaymentPart(
                iban="FR76 **** **** **** **** ***0 189", amount="200.00"
            )
        ],
        value_date=date(2026, 2, 5),
        paid=[
            cotisations_v1.PaidItem(
                reference="instalment:2026-02-05",
                kind="call",
                due_date=date(2026, 2, 5),
                amount="200.00",
            )
        ],
        standing=STANDING,
        requested_by=CLAIRE,
        changed_at=NOW,
    ),
    cotisations_v1.DebitsPrenotifiedV1(
        affiliate_id="aff-1",
        holder="Jean Dupont",
        rum="RUM-1",
        creditor_id="FR12ZZZ123456",
        creditor_name="Sécurité sociale des indépendants",
        iban="FR76 **** **** **** **** ***6 789",
        reason="mandate_signed",
        first_debit_date=date(2026, 2, 5),
        debits=[cotisations_v1.PlannedDebit(debit_date=date(2026, 2, 5), amount="310.00")],
        total="310.00",
        notified_at=NOW,
    ),
    cotisations_v1.PaymentRejectedV1(
        affiliate_id="aff-1",
        payment_id="DD-1",
        mode="prelevement",
        amount="310.00",
        reason_code="AM04",
        reason_label="provision insuffisante",
        rejected_on=date(2026, 2, 9),
        instalment_due_date=date(2026, 2, 5),
        debt=cotisations_v1.Debt(reference="debt:DD-1", amount="310.00", due_date=date(2026, 2, 9)),
        standing=STANDING,
        rejected_at=NOW,
    ),
    cotisations_v1.PaymentPlanRequestedV1(
        affiliate_id="aff-1",
        plan_id="PLAN-1",
        debts=[
            cotisations_v1.Debt(reference="debt:DD-1", amount="310.00", due_date=date(2026, 2, 9))
        ],
        principal="310.00",
        surcharges="15.50",
        total="325.50",
        instalments=PLAN_INSTALMENTS,
        decision="agent",
        requested_by=CLAIRE,
        requested_at=NOW,
    ),
    cotisations_v1.PaymentPlanGrantedV1(
        affiliate_id="aff-1",
        plan_id="PLAN-1",
        decided_by="rule",
        total="325.50",
        instalments=PLAN_INSTALMENTS,
        granted_at=NOW,
    ),
    cotisations_v1.PaymentPlanRefusedV1(
        affiliate_id="aff-1",
        plan_id="PLAN-1",
        decided_by="agent-1",
        reason="Un délai accordé l'an dernier n'a pas été respecté.",
        refused_at=NOW,
    ),
    cotisations_v1.PaymentPlanEndedV1(
        affiliate_id="aff-1",
        plan_id="PLAN-1",
        missed_instalment=PLAN_INSTALMENTS[0],
        remaining="325.50",
        due_date=date(2026, 3, 6),
        ended_at=NOW,
    ),
    attestations_v1.AttestationExpiringV1(
        attestation_id="att-1",
        affiliate_id="aff-1",
        kind="vigilance",
        valid_until=date(2026, 2, 10),
        noticed_at=NOW,
    ),
    appointments_v1.AppointmentRequestedV1(**APPOINTMENT),
    appointments_v1.AppointmentConfirmedV1(
        **APPOINTMENT, note="Apportez votre dernier avis d'imposition."
    ),
    appointments_v1.AppointmentRescheduledV1(**MOVED, confirmed=True),
    appointments_v1.AppointmentRescheduledV1(
        **{**MOVED, "channel": "telephone", "sealed_manage_link": None}, confirmed=False
    ),
    appointments_v1.AppointmentReminderDueV1(**APPOINTMENT),
    appointments_v1.AppointmentCancelledV1(**APPOINTMENT),
    appointments_v1.AppointmentCancelledV1(
        **{**APPOINTMENT, "sequence": 2},
        cancelled_by="agent",
        explanation="Votre conseiller est absent ce jour-là.",
    ),
    appointments_v1.AppointmentCancelledV1(
        **{**APPOINTMENT, "channel": "visio", "sequence": 2},
        cancelled_by="closure",
        explanation="L'agence est fermée pour travaux.",
        next_free_slots=[
            appointments_v1.SlotOffer(
                agency_id="paris-centre",
                starts_at=datetime(2026, 3, 17, 8, 0, tzinfo=UTC),
                ends_at=datetime(2026, 3, 17, 8, 30, tzinfo=UTC),
            )
        ],
    ),
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
