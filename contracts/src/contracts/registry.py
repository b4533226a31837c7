"""Every payload class by its CloudEvents type, for parsing and schema generation."""

from __future__ import annotations

from contracts.appointments import v1 as appointments_v1
from contracts.attestations import v1 as attestations_v1
from contracts.bank import v1 as bank_v1
from contracts.base import EventPayload
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1 as notifications_v1
from contracts.partners import v1 as partners_v1

PAYLOADS: tuple[type[EventPayload], ...] = (
    identity_v1.CabinetRegisteredV1,
    identity_v1.AccountRegisteredV1,
    identity_v1.AccountActivationRequestedV1,
    identity_v1.AccountActivatedV1,
    identity_v1.AccountDeactivatedV1,
    identity_v1.AccountEmailChangeRequestedV1,
    identity_v1.AccountEmailChangedV1,
    identity_v1.AccountPasswordResetRequestedV1,
    identity_v1.AccountRegistrationAttemptedV1,
    identity_v1.CabinetUserChangedV1,
    identity_v1.AffiliateRegisteredV1,
    identity_v1.AffiliateUpdatedV1,
    identity_v1.AffiliateRadiatedV1,
    mandates_v1.MandateKeyIssuedV1,
    mandates_v1.MandateActivatedV1,
    mandates_v1.MandateEndedV1,
    mandates_v1.MandateMovedV1,
    mandates_v1.MandateLetterStatusChangedV1,
    mandates_v1.MandateLockedV1,
    mandates_v1.MandateDeletedV1,
    mandates_v1.PortfolioCreatedV1,
    mandates_v1.PortfolioRenamedV1,
    mandates_v1.PortfolioDeletedV1,
    mandates_v1.PortfolioSubscriberAddedV1,
    mandates_v1.PortfolioSubscriberRemovedV1,
    mandates_v1.PortfolioTransferredV1,
    cotisations_v1.EstimateAppliedV1,
    cotisations_v1.ScheduleRevisedV1,
    cotisations_v1.IncomeDeclaredV1,
    cotisations_v1.PaymentTermsChangedV1,
    cotisations_v1.TurnoverDeclaredV1,
    cotisations_v1.PaymentRecordedV1,
    cotisations_v1.PaymentSettledV1,
    cotisations_v1.TelepaymentChangedV1,
    cotisations_v1.PaymentRejectedV1,
    cotisations_v1.DirectDebitMandateSignedV1,
    cotisations_v1.DirectDebitMandateChangedV1,
    cotisations_v1.DirectDebitMandateRevokedV1,
    cotisations_v1.DebitsPrenotifiedV1,
    cotisations_v1.TelepaymentMandateSignedV1,
    cotisations_v1.TelepaymentMandateRevokedV1,
    cotisations_v1.PaymentPlanRequestedV1,
    cotisations_v1.PaymentPlanGrantedV1,
    cotisations_v1.PaymentPlanRefusedV1,
    cotisations_v1.PaymentPlanEndedV1,
    cotisations_v1.StandingChangedV1,
    appointments_v1.AppointmentRequestedV1,
    appointments_v1.AppointmentConfirmedV1,
    appointments_v1.AppointmentRescheduledV1,
    appointments_v1.AppointmentReminderDueV1,
    appointments_v1.AppointmentCancelledV1,
    appointments_v1.AppointmentAttendedV1,
    appointments_v1.AgencyChangedV1,
    notifications_v1.MessageSentV1,
    notifications_v1.MessageFailedV1,
    notifications_v1.LetterStatusChangedV1,
    partners_v1.RegistryAffiliationV1,
    partners_v1.PensionPaymentV1,
    bank_v1.SepaReturnV1,
    attestations_v1.AttestationIssuedV1,
    attestations_v1.AttestationRevokedV1,
    attestations_v1.AttestationExpiringV1,
)

BY_TYPE: dict[str, type[EventPayload]] = {cls.event_type: cls for cls in PAYLOADS}


def payload_class(event_type: str) -> type[EventPayload]:
    """The payload class of an event type; ``KeyError`` when the type is unknown."""
    return BY_TYPE[event_type]
