"""cotisations events, version 1 (keyed by affiliate id). Amounts are decimal strings (EUR)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import EventPayload
from contracts.common import Recipient

ACCOUNT = "cotisations.account"

Amount = str


class Instalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    due_date: date
    amount: Amount = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$")


class EstimateAppliedV1(EventPayload):
    """An income estimate was applied; ``requested_by`` gets the confirmation."""

    event_type = "cotisations.account.estimate_applied.v1"
    topic = ACCOUNT

    affiliate_id: str
    client_name: str
    year: int
    estimated_income: Amount
    annual_amount: Amount
    effective_from: date
    requested_by: Recipient
    applied_at: datetime


class ScheduleRevisedV1(EventPayload):
    """An échéancier rectificatif replaces the remaining instalments; sent to the client."""

    event_type = "cotisations.account.schedule_revised.v1"
    topic = ACCOUNT

    affiliate_id: str
    year: int
    annual_amount: Amount
    effective_from: date
    instalments: list[Instalment]
    reference: str
    revised_at: datetime


class IncomeDeclaredV1(EventPayload):
    """The definitive income of a finished year was declared and the year regularised:
    ``outcome`` says what became of the balance (``definitive_total - called_total``):
    ``spread`` over the current year's instalments from ``due_date``, ``refund``, ``debt``
    due on ``due_date``, or ``settled`` (nothing owed either way)."""

    event_type = "cotisations.account.income_declared.v1"
    topic = ACCOUNT

    affiliate_id: str
    year: int
    definitive_income: Amount
    definitive_total: Amount
    called_total: Amount
    balance: Amount
    outcome: Literal["spread", "refund", "debt", "settled"]
    due_date: date | None = None
    declared_at: datetime


class PaymentTermsChangedV1(EventPayload):
    """The periodicity (monthly, quarterly) or the debit day (5, 20) changed, from
    ``effective_from``; the new échéancier follows as ``schedule_revised``."""

    event_type = "cotisations.account.payment_terms_changed.v1"
    topic = ACCOUNT

    affiliate_id: str
    periodicity: Literal["monthly", "quarterly"]
    debit_day: Literal[5, 20]
    effective_from: date
    changed_at: datetime


class TurnoverDeclaredV1(EventPayload):
    """A micro-entrepreneur declared the turnover of a month (``2026-03``) or a quarter
    (``2026-T1``); ``amount`` is due on ``due_date``."""

    event_type = "cotisations.account.turnover_declared.v1"
    topic = ACCOUNT

    affiliate_id: str
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2]|T[1-4])$")
    turnover: Amount
    amount: Amount
    due_date: date
    declared_at: datetime


# --- Payments (topic ``cotisations.payment``, keyed by affiliate id) --------------------------

PAYMENT = "cotisations.payment"

PaymentMode = Literal["prelevement", "telepaiement", "cheque", "virement", "carte"]
ObligationKind = Literal["call", "rejection", "surcharge", "plan_instalment", "refund"]
MaskedIban = str
"""An IBAN with all but its country, check digits and last four characters masked
(``FR76 **** **** **** **** ***6 789``): events never carry a full IBAN."""

_AMOUNT = r"^-?[0-9]+\.[0-9]{2}$"


class AccountStanding(BaseModel):
    """Where the account stands once the event's change is applied: what a reader that decides
    whether the affilié is up to date with payments (attestation de vigilance) keeps, one fact
    per event, the latest winning (compare ``as_of`` then the event's time).

    ``balance_due`` is what the affilié owes on ``as_of`` (negative: a credit); ``overdue`` the
    part of it whose due date has passed, and the debts of rejected payments from the day the
    bank returned them; ``oldest_overdue_due_date`` the earliest such due
    date (``None`` when nothing is overdue). ``pending`` is what debits sent to the bank and
    not yet answered cover (counted as paid until the bank rejects them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    as_of: date
    balance_due: Amount = Field(pattern=_AMOUNT)
    overdue: Amount = Field(pattern=_AMOUNT)
    oldest_overdue_due_date: date | None = None
    pending: Amount = Field(pattern=_AMOUNT)
    up_to_date: bool


class PaidItem(BaseModel):
    """What a payment paid: one obligation of the ledger and the part of the payment used."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reference: str = Field(description="`instalment:2026-03-05`, `debt:…`, `plan:…:1`")
    kind: ObligationKind
    due_date: date
    amount: Amount = Field(pattern=_AMOUNT)


class PaymentRecordedV1(EventPayload):
    """A payment entered the ledger: a debit sent to the bank (``status`` ``pending`` until the
    bank answers), a telepayment, a cheque or a transfer recorded by an agent. ``paid`` is
    empty for a payment on account (it goes to the oldest obligation first)."""

    event_type = "cotisations.payment.payment_recorded.v1"
    topic = PAYMENT

    affiliate_id: str
    payment_id: str = Field(description="The ledger entry's key, unique in the account.")
    mode: PaymentMode
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    value_date: date
    status: Literal["pending", "settled", "posted"]
    paid: list[PaidItem]
    external_reference: str | None = None
    standing: AccountStanding
    requested_by: Recipient | None = Field(
        default=None,
        description="Who made a telepayment (the assuré or a firm's user), told it is recorded.",
    )
    changeable_until: datetime | None = Field(
        default=None,
        description="A telepayment: until when its amount and accounts can be changed (noon, "
        "Paris, the day before its debit; already past for a debt debited the day it is paid).",
    )
    recorded_at: datetime


class TelepaymentPart(BaseModel):
    """One bank account a telepayment debits: its IBAN masked and its amount."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    iban: str = Field(description="masked: the country, the check digits and the last 4")
    amount: Amount = Field(pattern=_AMOUNT)


class TelepaymentChangedV1(EventPayload):
    """A telepayment not debited yet was changed (until noon, Paris, the day before its
    debit): its new amount and accounts. ``payment_id`` is its ledger entry's, as in the
    ``payment_recorded`` that announced it; its pending amount in the ledger is now
    ``amount``."""

    event_type = "cotisations.payment.telepayment_changed.v1"
    topic = PAYMENT

    affiliate_id: str
    payment_id: str = Field(description="The ledger entry's key, unique in the account.")
    external_reference: str = Field(description="the telepayment's id")
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    previous_amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    parts: list[TelepaymentPart] = Field(min_length=1, max_length=3)
    value_date: date = Field(description="the day the accounts are debited")
    paid: list[PaidItem]
    standing: AccountStanding
    requested_by: Recipient | None = Field(
        default=None,
        description="Who changed it, if a firm's user: told it is changed (the client is, always).",
    )
    changed_at: datetime


class PaymentSettledV1(EventPayload):
    """The bank confirmed a pending debit: the payment stands."""

    event_type = "cotisations.payment.payment_settled.v1"
    topic = PAYMENT

    affiliate_id: str
    payment_id: str
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    settled_on: date
    standing: AccountStanding
    settled_at: datetime


class Debt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    reference: str
    amount: Amount = Field(pattern=_AMOUNT)
    due_date: date


class PaymentRejectedV1(EventPayload):
    """The bank rejected a debit (SEPA reason code and its French label): what it paid is owed
    again, as the ``debt`` due at once; the instalment shows as rejected."""

    event_type = "cotisations.payment.payment_rejected.v1"
    topic = PAYMENT

    affiliate_id: str
    payment_id: str
    mode: PaymentMode
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    reason_code: str = Field(pattern=r"^[A-Z0-9]{4}$", examples=["AM04", "AC04", "MD01"])
    reason_label: str = Field(description="In French, as the affilié reads it.")
    rejected_on: date
    instalment_due_date: date | None = None
    debt: Debt
    standing: AccountStanding
    firm_users: list[str] = Field(
        default_factory=list,
        description="The account ids of the firms' users who reach the account through an active "
        "mandate and a subscribed portfolio; notifications tells those holding the `pay` right.",
    )
    rejected_at: datetime


class DirectDebitMandateSignedV1(EventPayload):
    """The affilié adhered to automatic debit: a SEPA Core mandate (RUM) from
    ``effective_from`` (the first due date it debits)."""

    event_type = "cotisations.payment.direct_debit_mandate_signed.v1"
    topic = PAYMENT

    affiliate_id: str
    rum: str
    holder: str
    iban: MaskedIban
    bic: str
    creditor_id: str
    signed_on: date
    effective_from: date
    signed_at: datetime


class DirectDebitMandateChangedV1(EventPayload):
    """The account to debit changed: ``previous_rum`` debits until ``effective_from``, then
    ``rum``."""

    event_type = "cotisations.payment.direct_debit_mandate_changed.v1"
    topic = PAYMENT

    affiliate_id: str
    previous_rum: str
    rum: str
    holder: str
    iban: MaskedIban
    bic: str
    creditor_id: str
    signed_on: date
    effective_from: date
    changed_at: datetime


class DirectDebitMandateRevokedV1(EventPayload):
    """The affilié left automatic debit: no debit on or after ``effective_from``."""

    event_type = "cotisations.payment.direct_debit_mandate_revoked.v1"
    topic = PAYMENT

    affiliate_id: str
    rum: str
    effective_from: date
    revoked_at: datetime


class PlannedDebit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    debit_date: date
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")


class DebitsPrenotifiedV1(EventPayload):
    """The pre-notification of the SEPA debits (e-mailed to the affilié at least 14 days before
    the first debit, and again after any change of amounts): what will be debited, when, from
    which account (masked) and under which mandate and creditor identifier."""

    event_type = "cotisations.payment.debits_prenotified.v1"
    topic = PAYMENT

    affiliate_id: str
    holder: str
    rum: str
    creditor_id: str
    creditor_name: str
    iban: MaskedIban
    reason: Literal["mandate_signed", "mandate_changed", "amounts_changed"]
    first_debit_date: date
    debits: list[PlannedDebit]
    total: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    notified_at: datetime


# --- Telepayment and payment-delay plans (topic ``cotisations.payment``) ---------------------


class TelepaymentMandateSignedV1(EventPayload):
    """The affilié adhered to telepayment: « Payer » may now be used on this account."""

    event_type = "cotisations.payment.telepayment_mandate_signed.v1"
    topic = PAYMENT

    affiliate_id: str
    mandate_id: str
    holder: str
    iban: MaskedIban
    bic: str
    signed_at: datetime


class TelepaymentMandateRevokedV1(EventPayload):
    event_type = "cotisations.payment.telepayment_mandate_revoked.v1"
    topic = PAYMENT

    affiliate_id: str
    mandate_id: str
    revoked_at: datetime


class PlanInstalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    number: int = Field(ge=1, le=12)
    due_date: date
    amount: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")


class PaymentPlanRequestedV1(EventPayload):
    """A payment-delay plan was asked: the debts it reschedules, their late-payment surcharges
    counted on the day of the request, and its monthly instalments. ``decision`` is
    ``rule`` when the rule for small simple cases grants it at once (a ``granted`` event
    follows), ``agent`` when an agent is to decide."""

    event_type = "cotisations.payment.payment_plan_requested.v1"
    topic = PAYMENT

    affiliate_id: str
    plan_id: str
    debts: list[Debt]
    principal: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    surcharges: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    total: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    instalments: list[PlanInstalment]
    decision: Literal["rule", "agent"]
    requested_by: Recipient
    requested_at: datetime


class PaymentPlanGrantedV1(EventPayload):
    """The plan runs: its instalments replace the debts it reschedules."""

    event_type = "cotisations.payment.payment_plan_granted.v1"
    topic = PAYMENT

    affiliate_id: str
    plan_id: str
    decided_by: str = Field(description="`rule`, or the agent's subject")
    reason: str | None = None
    total: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    instalments: list[PlanInstalment]
    granted_at: datetime
    standing: AccountStanding | None = Field(
        default=None,
        description="The account's standing once the plan's entries are in the ledger (the "
        "debts rescheduled, the instalments due): what an attestations reader keeps.",
    )


class PaymentPlanRefusedV1(EventPayload):
    """An agent refused the plan; ``reason`` in French, as the affilié reads it."""

    event_type = "cotisations.payment.payment_plan_refused.v1"
    topic = PAYMENT

    affiliate_id: str
    plan_id: str
    decided_by: str
    reason: str
    refused_at: datetime


class PaymentPlanEndedV1(EventPayload):
    """An instalment was missed: the plan ends and what remains is due at once."""

    event_type = "cotisations.payment.payment_plan_ended.v1"
    topic = PAYMENT

    affiliate_id: str
    plan_id: str
    missed_instalment: PlanInstalment
    remaining: Amount = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    due_date: date
    ended_at: datetime
    standing: AccountStanding | None = Field(
        default=None,
        description="The account's standing once the remainder is a debt due at once.",
    )


class StandingChangedV1(EventPayload):
    """The account's standing moved with no payment to carry it: the account was opened (its
    first standing), an instalment fell due, one left unpaid became overdue, a declaration
    fell due unreceived or was received, a balance was carried from the former books. Published by
    the worker's daily sweep (and at opening) only when the facts differ from the last
    standing it published, on the payment topic so that, per account, it stays in order with
    the payment events that carry a standing too: a reader keeps the latest."""

    event_type = "cotisations.payment.standing_changed.v1"
    topic = PAYMENT

    affiliate_id: str
    standing: AccountStanding
    reason: Literal["opened", "called", "overdue", "changed"] = Field(
        description="``opened``: the account's first standing; ``called``: an instalment fell "
        "due; ``overdue``: what is unpaid after its due date grew; ``changed``: any other move "
        "(a revision of the échéancier, a debt falling due, a declaration due or received)."
    )
    missing_declarations: list[str] = Field(
        default_factory=list,
        description="A micro-entrepreneur's turnover declarations due and not received, oldest "
        "first, as their periods are written (`2026-03`, `2026-T1`); empty when none (or for an "
        "account that declares no turnover). The latest `standing_changed` says it: a reader "
        "keeps the latest list.",
    )
    changed_at: datetime
