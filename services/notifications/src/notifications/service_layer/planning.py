"""Which deliveries an incoming event causes: one planner per event type.

A planner reads the event's payload and returns the deliveries to make (kind, channel,
recipient, the template's context, and the sealed secrets it needs). Messages to an affilié
name the affilié, not an address: the address and e-mail are read from the registry's copy at
sending time. Secrets stay sealed until the moment of rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from contracts.appointments import v1 as appointments_v1
from contracts.attestations import v1 as attestations_v1
from contracts.common import Recipient
from contracts.cotisations import v1 as cotisations_v1
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from servicekit.messaging import IncomingEvent

from notifications.domain.directory import ADMIN_RIGHT, CabinetUser
from notifications.domain.letters import letter_reference
from notifications.domain.model import affiliate_recipient


@dataclass(frozen=True)
class PlannedDelivery:
    kind: str
    channel: str
    recipient: str
    context: dict[str, Any]
    sealed: dict[str, str] = field(default_factory=dict)
    optional: bool = False


Planner = Callable[[IncomingEvent], list[PlannedDelivery]]

USER_CHANGES = {
    "user_invited": "un {role} a été invité",
    "user_activated": "un {role} a activé son accès",
    "user_rights_changed": "les droits d'un utilisateur ont été modifiés",
    "user_suspended": "un utilisateur a été suspendu",
    "user_removed": "un utilisateur a été retiré",
}
ENDED_BY = {
    "client": "révoqué par le client",
    "cabinet": "client retiré par le cabinet",
    "replacement": "mandat confié à un autre cabinet",
    "registry": "radiation du cotisant",
}


def role(rights: Iterable[str]) -> str:
    """How a firm's user is called: an administrator holds the ``admin`` right."""
    return "administrateur" if ADMIN_RIGHT in rights else "collaborateur"


def _to_each(
    kind: str, people: Iterable[Recipient], context: dict[str, Any]
) -> list[PlannedDelivery]:
    return [
        PlannedDelivery(kind, "email", p.email, {**context, "display_name": p.display_name})
        for p in people
    ]


def _activation_requested(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(identity_v1.AccountActivationRequestedV1)
    context: dict[str, Any] = {
        "display_name": p.display_name,
        "expires_at": p.expires_at.isoformat(),
    }
    if p.cabinet_name:
        context["cabinet_name"] = p.cabinet_name
    if p.purpose == "collaborator_invitation":
        context["role"] = "collaborateur"  # "administrateur" when the directory knows it
    return [PlannedDelivery(p.purpose, "email", p.email, context, {"link": p.sealed_link})]


def _email_change(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(identity_v1.AccountEmailChangeRequestedV1)
    context = {
        "display_name": p.display_name,
        "new_email": p.new_email,
        "expires_at": p.expires_at.isoformat(),
    }
    return [
        PlannedDelivery(
            "email_change_confirmation", "email", p.new_email, context, {"link": p.sealed_link}
        )
    ]


def _password_reset(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(identity_v1.AccountPasswordResetRequestedV1)
    context = {"display_name": p.display_name, "expires_at": p.expires_at.isoformat()}
    return [PlannedDelivery("password_reset", "email", p.email, context, {"link": p.sealed_link})]


def _registration_attempted(event: IncomingEvent) -> list[PlannedDelivery]:
    """Someone tried to sign a firm up with an address already used: its owner is told (the
    answer to the attempt said nothing of it)."""
    p = event.payload(identity_v1.AccountRegistrationAttemptedV1)
    context = {
        "display_name": p.display_name,
        "email": p.email,
        "attempted_at": p.attempted_at.isoformat(),
    }
    return [PlannedDelivery("registration_attempted", "email", p.email, context)]


def _cabinet_user_changed(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(identity_v1.CabinetUserChangedV1)
    context = {
        "cabinet_name": p.cabinet_name,
        "change": USER_CHANGES[p.change].format(role=role(p.rights)),
        "user_name": p.user_name,
    }
    return _to_each("cabinet_users_changed", p.notify, context)


def collaborator_joined(
    p: identity_v1.CabinetUserChangedV1, administrators: Iterable[CabinetUser]
) -> list[PlannedDelivery]:
    """A collaborator accepted the invitation: a mail to each administrator of the firm (read
    from the directory of firms' users by the consumer)."""
    context = {"cabinet_name": p.cabinet_name, "user_name": p.user_name}
    return [
        PlannedDelivery(
            "collaborator_joined",
            "email",
            str(admin.email),
            {**context, "display_name": admin.display_name or str(admin.email)},
        )
        for admin in administrators
    ]


def _key_issued(event: IncomingEvent) -> list[PlannedDelivery]:
    """A key letter, with its own reference; a re-issued key's letter names the event of the
    letter it replaces (``supersedes_event_id``), which the dispatcher withdraws first."""
    p = event.payload(mandates_v1.MandateKeyIssuedV1)
    context: dict[str, Any] = {
        "cabinet_name": p.cabinet_name,
        "reference": letter_reference(p.reference, event.envelope.id),
        "mandate_reference": p.reference,
        "issued_on": p.issued_at.date().isoformat(),
        "supersedes_event_id": p.supersedes_event_id,
        # the business concerned: the event does not carry it yet (mandates may add these
        # fields); the registry's copy fills it in at sending time
        "siren": event.data.get("siren"),
        "business_name": event.data.get("business_name"),
    }
    return [
        PlannedDelivery(
            "activation_key_letter",
            "letter",
            affiliate_recipient(p.affiliate_id),
            context,
            {"activation_key": p.sealed_key},
        )
    ]


def _mandate_activated(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(mandates_v1.MandateActivatedV1)
    when = p.activated_at.isoformat()
    to_firm = _to_each(
        "mandate_activated_cabinet", p.notify, {"client_name": p.client_name, "activated_at": when}
    )
    to_client = PlannedDelivery(
        "mandate_activated_client",
        "email",
        affiliate_recipient(p.affiliate_id),
        {"cabinet_name": p.cabinet_name, "activated_at": when},
        optional=True,
    )
    return [*to_firm, to_client]


def _mandate_ended(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(mandates_v1.MandateEndedV1)
    when, reason = p.ended_at.isoformat(), ENDED_BY[p.ended_by]
    to_firm = _to_each(
        "mandate_ended_cabinet",
        p.notify,
        {"client_name": p.client_name, "ended_at": when, "reason": reason},
    )
    to_client = PlannedDelivery(
        "mandate_ended_client",
        "email",
        affiliate_recipient(p.affiliate_id),
        {"cabinet_name": p.cabinet_name, "ended_at": when, "reason": reason},
        optional=True,
    )
    return [*to_firm, to_client]


def _portfolio(change: Callable[[Any], str], cls: type[mandates_v1.PortfolioEventV1]) -> Planner:
    def plan(event: IncomingEvent) -> list[PlannedDelivery]:
        p = event.payload(cls)
        context = {
            "cabinet_name": p.cabinet_name,
            "portfolio_name": p.portfolio_name,
            "change": change(p),
        }
        return _to_each("portfolio_changed", p.notify, context)

    return plan


SUBSCRIBER_TYPES = frozenset(
    {
        mandates_v1.PortfolioSubscriberAddedV1.event_type,
        mandates_v1.PortfolioSubscriberRemovedV1.event_type,
    }
)


def subscriber_changed(event: IncomingEvent, subscriber_email: str | None) -> list[PlannedDelivery]:
    """A subscriber added to or removed from a portfolio: the subscriber, if among those told,
    reads "vous êtes désormais abonné" (or "vous n'y êtes plus abonné"), the others read the
    subscriber's name. The subscriber is known by address when the directory of firms' users
    has it (``subscriber_email``, given by the consumer), otherwise by name."""
    added = event.envelope.type == mandates_v1.PortfolioSubscriberAddedV1.event_type
    p: mandates_v1.PortfolioSubscriberAddedV1 | mandates_v1.PortfolioSubscriberRemovedV1 = (
        event.payload(mandates_v1.PortfolioSubscriberAddedV1)
        if added
        else event.payload(mandates_v1.PortfolioSubscriberRemovedV1)
    )

    def is_subscriber(person: Recipient) -> bool:
        if subscriber_email:
            return person.email.strip().lower() == subscriber_email.strip().lower()
        return person.display_name.strip().lower() == p.subscriber_name.strip().lower()

    planned: list[PlannedDelivery] = []
    for person in p.notify:
        if is_subscriber(person):
            change = "vous êtes désormais abonné" if added else "vous n'y êtes plus abonné"
        else:
            change = (
                f"{p.subscriber_name} y est désormais abonné"
                if added
                else (f"{p.subscriber_name} n'y est plus abonné")
            )
        context = {
            "cabinet_name": p.cabinet_name,
            "portfolio_name": p.portfolio_name,
            "change": change,
        }
        planned.extend(_to_each("portfolio_changed", [person], context))
    return planned


def _estimate_applied(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.EstimateAppliedV1)
    context = {
        "client_name": p.client_name,
        "year": str(p.year),
        "estimated_income": p.estimated_income,
        "annual_amount": p.annual_amount,
        "effective_from": p.effective_from.isoformat(),
    }
    return _to_each("estimate_confirmation", [p.requested_by], context)


def _schedule_revised(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.ScheduleRevisedV1)
    context = {
        "year": str(p.year),
        "annual_amount": p.annual_amount,
        "effective_from": p.effective_from.isoformat(),
        "instalments": [
            {"due_date": i.due_date.isoformat(), "amount": i.amount} for i in p.instalments
        ],
        "reference": p.reference,
    }
    client = affiliate_recipient(p.affiliate_id)
    return [
        PlannedDelivery("echeancier_rectificatif_letter", "letter", client, context),
        PlannedDelivery("echeancier_rectificatif_email", "email", client, context, optional=True),
    ]


PAYMENTS_TO_RESOLVE = frozenset(
    {
        cotisations_v1.PaymentRecordedV1.event_type,
        cotisations_v1.TelepaymentChangedV1.event_type,
        cotisations_v1.PaymentRejectedV1.event_type,
        cotisations_v1.PaymentPlanRequestedV1.event_type,
    }
)
"""The payment events whose mails name the client (``client_name``, from the registry's copy)
and, for a rejection, go to the firms' users holding ``pay`` (from the directory): the
consumer completes what their planners return."""
CLIENT_NAME_PENDING = ""


def _items(items: Iterable[cotisations_v1.PlanInstalment | cotisations_v1.PlannedDebit]) -> Any:
    return [
        {
            "due_date": (
                i.due_date if isinstance(i, cotisations_v1.PlanInstalment) else i.debit_date
            ).isoformat(),
            "amount": i.amount,
        }
        for i in items
    ]


def _telepayment_recorded(event: IncomingEvent) -> list[PlannedDelivery]:
    """A telepayment is confirmed to the client, and to the firm's user who made it."""
    p = event.payload(cotisations_v1.PaymentRecordedV1)
    if p.mode != "telepaiement":
        return []
    context: dict[str, Any] = {
        "client_name": CLIENT_NAME_PENDING,
        "amount": p.amount,
        "value_date": p.value_date.isoformat(),
        "payment_id": p.external_reference or p.payment_id,
        "paid": _paid(p.paid),
        "on_due_date": all(i.due_date == p.value_date for i in p.paid),
        "changeable_until": (
            p.changeable_until.isoformat()
            if p.changeable_until is not None and p.changeable_until > p.recorded_at
            else ""
        ),
    }
    return _to_client_and_requester(
        "telepayment_confirmation", p.affiliate_id, p.requested_by, context
    )


def _to_client_and_requester(
    kind: str, affiliate_id: str, requested_by: Recipient | None, context: dict[str, Any]
) -> list[PlannedDelivery]:
    """The client's mail (when its address is known), and the firm's user who acted for it."""
    planned = [
        PlannedDelivery(kind, "email", affiliate_recipient(affiliate_id), context, optional=True)
    ]
    if requested_by is not None:
        planned.extend(_to_each(kind, [requested_by], context))
    return planned


def _paid(items: Iterable[cotisations_v1.PaidItem]) -> list[dict[str, str]]:
    """What a payment pays, each named as the person reads it."""
    return [
        {
            "what": _obligation_words(i.reference),
            "due_date": i.due_date.isoformat(),
            "amount": i.amount,
        }
        for i in items
    ]


def _obligation_words(reference: str) -> str:
    if reference.startswith("instalment:"):
        return "instalment"
    if reference.startswith("plan:"):
        return "plan"
    if reference == "debt:opening":
        return "opening"
    return "debt"


def _telepayment_changed(event: IncomingEvent) -> list[PlannedDelivery]:
    """A telepayment changed before its debit: its new amount and accounts are confirmed to
    the client, and to the firm's user who changed it."""
    p = event.payload(cotisations_v1.TelepaymentChangedV1)
    context: dict[str, Any] = {
        "client_name": CLIENT_NAME_PENDING,
        "amount": p.amount,
        "previous_amount": p.previous_amount,
        "value_date": p.value_date.isoformat(),
        "payment_id": p.external_reference,
        "parts": [{"iban": part.iban, "amount": part.amount} for part in p.parts],
    }
    return _to_client_and_requester("telepayment_changed", p.affiliate_id, p.requested_by, context)


def _debits_prenotified(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.DebitsPrenotifiedV1)
    context = {
        "creditor_name": p.creditor_name,
        "creditor_id": p.creditor_id,
        "rum": p.rum,
        "iban": p.iban,
        "holder": p.holder,
        "reason": p.reason,
        "first_debit_date": p.first_debit_date.isoformat(),
        "debits": _items(p.debits),
        "total": p.total,
    }
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("debits_prenotification", "email", client, context, optional=True)]


def _payment_rejected(event: IncomingEvent) -> list[PlannedDelivery]:
    """The client is told; the firms' users with ``pay`` are added by the consumer."""
    p = event.payload(cotisations_v1.PaymentRejectedV1)
    context = {
        "client_name": CLIENT_NAME_PENDING,
        "amount": p.amount,
        "reason_label": p.reason_label,
        "rejected_on": p.rejected_on.isoformat(),
        "instalment_due_date": p.instalment_due_date.isoformat() if p.instalment_due_date else None,
        "debt_amount": p.debt.amount,
        "debt_due_date": p.debt.due_date.isoformat(),
    }
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("payment_rejected", "email", client, context, optional=True)]


def _plan_requested(event: IncomingEvent) -> list[PlannedDelivery]:
    """The request is acknowledged to whoever made it when an agent is to decide (a plan the
    rule grants at once is told by its ``granted`` event)."""
    p = event.payload(cotisations_v1.PaymentPlanRequestedV1)
    if p.decision != "agent":
        return []
    context = {
        "client_name": CLIENT_NAME_PENDING,
        "total": p.total,
        "instalments": _items(p.instalments),
        "plan_id": p.plan_id,
    }
    return _to_each("payment_plan_requested", [p.requested_by], context)


def _plan_granted(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.PaymentPlanGrantedV1)
    context = {"total": p.total, "instalments": _items(p.instalments), "plan_id": p.plan_id}
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("payment_plan_granted", "email", client, context, optional=True)]


def _plan_refused(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.PaymentPlanRefusedV1)
    context = {"reason": p.reason, "plan_id": p.plan_id}
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("payment_plan_refused", "email", client, context, optional=True)]


def _vigilance_expiring(event: IncomingEvent) -> list[PlannedDelivery]:
    """The affilié's attestation de vigilance ends soon: they are invited to download a new
    one (attestations publishes this once per certificate)."""
    p = event.payload(attestations_v1.AttestationExpiringV1)
    context = {"valid_until": p.valid_until.isoformat(), "attestation_id": p.attestation_id}
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("vigilance_renewal", "email", client, context, optional=True)]


def _plan_ended(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(cotisations_v1.PaymentPlanEndedV1)
    context = {
        "missed_due_date": p.missed_instalment.due_date.isoformat(),
        "missed_amount": p.missed_instalment.amount,
        "remaining": p.remaining,
        "due_date": p.due_date.isoformat(),
        "plan_id": p.plan_id,
    }
    client = affiliate_recipient(p.affiliate_id)
    return [PlannedDelivery("payment_plan_ended", "email", client, context, optional=True)]


def _appointment_context(p: appointments_v1.AppointmentEventV1) -> dict[str, Any]:
    """What every appointment mail says: where, how, what for, when (as published, with its
    offset: the wall clock is chosen when rendering), and the revision for the calendar."""
    return {
        "agency_id": p.agency_id,
        "agency_name": p.agency_name,
        "agency_address": p.agency_address,
        "channel": p.channel,
        "object_label": p.object_label,
        "reason": p.reason,
        "starts_at": p.starts_at.isoformat(),
        "ends_at": p.ends_at.isoformat(),
        "appointment_id": p.appointment_id,
        "sequence": p.sequence,
        "attendee_email": p.person.email,
    }


def _to_person(
    kind: str, p: appointments_v1.AppointmentEventV1, extra: dict[str, Any]
) -> list[PlannedDelivery]:
    """One mail to the person; the link to cancel or reschedule stays sealed until rendering
    (as an activation link: never in clear in the deliveries table)."""
    sealed = {"manage_link": p.sealed_manage_link} if p.sealed_manage_link else {}
    context = {**_appointment_context(p), **extra, "display_name": p.person.display_name}
    return [PlannedDelivery(kind, "email", p.person.email, context, sealed)]


def _appointment(kind: str, cls: type[appointments_v1.AppointmentEventV1]) -> Planner:
    def plan(event: IncomingEvent) -> list[PlannedDelivery]:
        return _to_person(kind, event.payload(cls), {})

    return plan


def _appointment_confirmed(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(appointments_v1.AppointmentConfirmedV1)
    return _to_person("appointment_confirmed", p, {"note": p.note})


def _appointment_rescheduled(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(appointments_v1.AppointmentRescheduledV1)
    extra = {
        "previous_starts_at": p.previous_starts_at.isoformat(),
        "previous_ends_at": p.previous_ends_at.isoformat(),
        "confirmed": p.confirmed,
    }
    return _to_person("appointment_rescheduled", p, extra)


def _appointment_cancelled(event: IncomingEvent) -> list[PlannedDelivery]:
    p = event.payload(appointments_v1.AppointmentCancelledV1)
    extra = {
        "cancelled_by": p.cancelled_by,
        "explanation": p.explanation,
        "next_free_slots": [
            {
                "agency_id": slot.agency_id,
                "starts_at": slot.starts_at.isoformat(),
                "ends_at": slot.ends_at.isoformat(),
            }
            for slot in p.next_free_slots
        ],
    }
    return _to_person("appointment_cancelled", p, extra)


PLANNERS: dict[str, Planner] = {
    identity_v1.AccountActivationRequestedV1.event_type: _activation_requested,
    identity_v1.AccountEmailChangeRequestedV1.event_type: _email_change,
    identity_v1.AccountPasswordResetRequestedV1.event_type: _password_reset,
    identity_v1.AccountRegistrationAttemptedV1.event_type: _registration_attempted,
    identity_v1.CabinetUserChangedV1.event_type: _cabinet_user_changed,
    mandates_v1.MandateKeyIssuedV1.event_type: _key_issued,
    mandates_v1.MandateActivatedV1.event_type: _mandate_activated,
    mandates_v1.MandateEndedV1.event_type: _mandate_ended,
    mandates_v1.PortfolioCreatedV1.event_type: _portfolio(
        lambda p: "nouveau portefeuille créé", mandates_v1.PortfolioCreatedV1
    ),
    mandates_v1.PortfolioRenamedV1.event_type: _portfolio(
        lambda p: f"renommé (ancien nom : {p.previous_name})", mandates_v1.PortfolioRenamedV1
    ),
    mandates_v1.PortfolioSubscriberAddedV1.event_type: lambda e: subscriber_changed(e, None),
    mandates_v1.PortfolioSubscriberRemovedV1.event_type: lambda e: subscriber_changed(e, None),
    mandates_v1.PortfolioTransferredV1.event_type: _portfolio(
        lambda p: f"transféré à {p.to_name}", mandates_v1.PortfolioTransferredV1
    ),
    cotisations_v1.EstimateAppliedV1.event_type: _estimate_applied,
    cotisations_v1.ScheduleRevisedV1.event_type: _schedule_revised,
    cotisations_v1.PaymentRecordedV1.event_type: _telepayment_recorded,
    cotisations_v1.TelepaymentChangedV1.event_type: _telepayment_changed,
    cotisations_v1.DebitsPrenotifiedV1.event_type: _debits_prenotified,
    cotisations_v1.PaymentRejectedV1.event_type: _payment_rejected,
    cotisations_v1.PaymentPlanRequestedV1.event_type: _plan_requested,
    cotisations_v1.PaymentPlanGrantedV1.event_type: _plan_granted,
    cotisations_v1.PaymentPlanRefusedV1.event_type: _plan_refused,
    cotisations_v1.PaymentPlanEndedV1.event_type: _plan_ended,
    attestations_v1.AttestationExpiringV1.event_type: _vigilance_expiring,
    appointments_v1.AppointmentRequestedV1.event_type: _appointment(
        "appointment_acknowledged", appointments_v1.AppointmentRequestedV1
    ),
    appointments_v1.AppointmentConfirmedV1.event_type: _appointment_confirmed,
    appointments_v1.AppointmentRescheduledV1.event_type: _appointment_rescheduled,
    appointments_v1.AppointmentReminderDueV1.event_type: _appointment(
        "appointment_reminder", appointments_v1.AppointmentReminderDueV1
    ),
    appointments_v1.AppointmentCancelledV1.event_type: _appointment_cancelled,
}
