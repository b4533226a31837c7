"""The message kinds: for each, its channel, its template and the context it requires."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageKind(StrEnum):
    CABINET_ACTIVATION = "cabinet_activation"
    ASSURE_ACTIVATION = "assure_activation"
    COLLABORATOR_INVITATION = "collaborator_invitation"
    EMAIL_CHANGE_CONFIRMATION = "email_change_confirmation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a message kind, not a secret
    REGISTRATION_ATTEMPTED = "registration_attempted"
    CABINET_USERS_CHANGED = "cabinet_users_changed"
    COLLABORATOR_JOINED = "collaborator_joined"
    PORTFOLIO_CHANGED = "portfolio_changed"
    ACTIVATION_KEY_LETTER = "activation_key_letter"
    MANDATE_ACTIVATED_CABINET = "mandate_activated_cabinet"
    MANDATE_ACTIVATED_CLIENT = "mandate_activated_client"
    MANDATE_ENDED_CABINET = "mandate_ended_cabinet"
    MANDATE_ENDED_CLIENT = "mandate_ended_client"
    ESTIMATE_CONFIRMATION = "estimate_confirmation"
    ECHEANCIER_RECTIFICATIF_LETTER = "echeancier_rectificatif_letter"
    ECHEANCIER_RECTIFICATIF_EMAIL = "echeancier_rectificatif_email"
    TELEPAYMENT_CONFIRMATION = "telepayment_confirmation"
    TELEPAYMENT_CHANGED = "telepayment_changed"
    DEBITS_PRENOTIFICATION = "debits_prenotification"
    PAYMENT_REJECTED = "payment_rejected"
    PAYMENT_PLAN_REQUESTED = "payment_plan_requested"
    PAYMENT_PLAN_GRANTED = "payment_plan_granted"
    PAYMENT_PLAN_REFUSED = "payment_plan_refused"
    PAYMENT_PLAN_ENDED = "payment_plan_ended"
    APPOINTMENT_ACKNOWLEDGED = "appointment_acknowledged"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_REMINDER = "appointment_reminder"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    VIGILANCE_RENEWAL = "vigilance_renewal"


@dataclass(frozen=True)
class KindSpec:
    channel: str
    required: frozenset[str]
    ics_method: str | None = None

    @property
    def template(self) -> str:
        return ""


def _email(*names: str, ics: str | None = None) -> KindSpec:
    return KindSpec("email", frozenset(names), ics)


def _letter(*names: str) -> KindSpec:
    return KindSpec("letter", frozenset(names))


_LINK = ("display_name", "link", "expires_at")
_APPOINTMENT = (
    "display_name",
    "agency_name",
    "agency_address",
    "channel",
    "starts_at",
    "ends_at",
    "reason",
    "appointment_id",
    "sequence",
)
"""What every appointment mail requires; ``object_label`` may be empty, and ``manage_link`` (the
link to cancel or reschedule, opened from its sealed value) is there only when the event
carries one."""
_ECHEANCIER = (
    "display_name",
    "year",
    "annual_amount",
    "effective_from",
    "instalments",
    "reference",
)

KINDS: dict[MessageKind, KindSpec] = {
    MessageKind.CABINET_ACTIVATION: _email(*_LINK, "cabinet_name"),
    MessageKind.ASSURE_ACTIVATION: _email(*_LINK),
    MessageKind.COLLABORATOR_INVITATION: _email(*_LINK, "cabinet_name"),
    MessageKind.EMAIL_CHANGE_CONFIRMATION: _email(*_LINK, "new_email"),
    MessageKind.PASSWORD_RESET: _email(*_LINK),
    MessageKind.REGISTRATION_ATTEMPTED: _email("display_name", "email", "attempted_at"),
    MessageKind.CABINET_USERS_CHANGED: _email(
        "display_name", "cabinet_name", "change", "user_name"
    ),
    MessageKind.COLLABORATOR_JOINED: _email("display_name", "cabinet_name", "user_name"),
    MessageKind.PORTFOLIO_CHANGED: _email(
        "display_name", "cabinet_name", "portfolio_name", "change"
    ),
    MessageKind.ACTIVATION_KEY_LETTER: _letter(
        "recipient_name",
        "address_lines",
        "cabinet_name",
        "activation_key",
        "issued_on",
        "reference",
    ),
    MessageKind.MANDATE_ACTIVATED_CABINET: _email("display_name", "client_name", "activated_at"),
    MessageKind.MANDATE_ACTIVATED_CLIENT: _email("display_name", "cabinet_name", "activated_at"),
    MessageKind.MANDATE_ENDED_CABINET: _email("display_name", "client_name", "ended_at", "reason"),
    MessageKind.MANDATE_ENDED_CLIENT: _email("display_name", "cabinet_name", "ended_at", "reason"),
    MessageKind.ESTIMATE_CONFIRMATION: _email(
        "display_name", "client_name", "year", "estimated_income", "annual_amount", "effective_from"
    ),
    MessageKind.ECHEANCIER_RECTIFICATIF_LETTER: _letter(
        *_ECHEANCIER, "recipient_name", "address_lines"
    ),
    MessageKind.ECHEANCIER_RECTIFICATIF_EMAIL: _email(*_ECHEANCIER),
    MessageKind.TELEPAYMENT_CONFIRMATION: _email(
        "display_name", "client_name", "amount", "value_date", "payment_id"
    ),
    MessageKind.TELEPAYMENT_CHANGED: _email(
        "display_name", "client_name", "amount", "previous_amount", "value_date", "payment_id"
    ),
    MessageKind.DEBITS_PRENOTIFICATION: _email(
        "display_name",
        "creditor_name",
        "creditor_id",
        "rum",
        "iban",
        "first_debit_date",
        "debits",
        "total",
    ),
    MessageKind.PAYMENT_REJECTED: _email(
        "display_name",
        "client_name",
        "amount",
        "reason_label",
        "rejected_on",
        "debt_amount",
        "debt_due_date",
    ),
    MessageKind.PAYMENT_PLAN_REQUESTED: _email(
        "display_name", "client_name", "total", "instalments", "plan_id"
    ),
    MessageKind.PAYMENT_PLAN_GRANTED: _email("display_name", "total", "instalments", "plan_id"),
    MessageKind.PAYMENT_PLAN_REFUSED: _email("display_name", "reason", "plan_id"),
    MessageKind.VIGILANCE_RENEWAL: _email("display_name", "valid_until", "attestation_id"),
    MessageKind.PAYMENT_PLAN_ENDED: _email(
        "display_name", "missed_due_date", "missed_amount", "remaining", "due_date", "plan_id"
    ),
    MessageKind.APPOINTMENT_ACKNOWLEDGED: _email(*_APPOINTMENT),
    MessageKind.APPOINTMENT_CONFIRMED: _email(*_APPOINTMENT, ics="REQUEST"),
    MessageKind.APPOINTMENT_RESCHEDULED: _email(
        *_APPOINTMENT, "previous_starts_at", "previous_ends_at", "confirmed", ics="REQUEST"
    ),
    MessageKind.APPOINTMENT_REMINDER: _email(*_APPOINTMENT, ics="REQUEST"),
    MessageKind.APPOINTMENT_CANCELLED: _email(*_APPOINTMENT, "cancelled_by", ics="CANCEL"),
}


class MissingContext(ValueError):
    """A template variable is missing or empty: nothing is sent rather than a hole."""
