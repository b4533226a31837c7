"""Payments → integration events (``contracts.cotisations.v1``, topic ``cotisations.payment``):
amounts as decimal strings to the cent, IBANs masked, each with the account's standing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, cast

from contracts.cotisations import v1

from cotisations.domain.payments.direct_debit import Mandate, mask_iban
from cotisations.domain.payments.ledger import Entry, Standing, standing
from cotisations.domain.payments.sepa import reason_label
from cotisations.domain.schedule import Instalment


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def standing_fact(s: Standing) -> v1.AccountStanding:
    return v1.AccountStanding(
        as_of=s.on,
        balance_due=money(s.balance),
        overdue=money(s.overdue),
        oldest_overdue_due_date=s.oldest_overdue,
        pending=money(sum((o.pending for o in s.obligations), Decimal(0))),
        up_to_date=s.up_to_date,
    )


def paid_items(entry: Entry, after: Standing) -> list[v1.PaidItem]:
    """What a payment paid: the obligation it names (on account: none named)."""
    if entry.obligation is None:
        return []
    for o in after.obligations:
        if o.reference == entry.obligation:
            kind = cast(v1.ObligationKind, o.kind)
            return [v1.PaidItem(reference=o.reference, kind=kind, due_date=o.due_date,
                                amount=money(-entry.amount))]  # fmt: skip
    return []


def payment_recorded(
    affiliate_id: str, entry: Entry, after: Standing, at: datetime
) -> v1.PaymentRecordedV1:
    """``after``: the account's standing once the payment is in its ledger."""
    assert entry.mode is not None
    return v1.PaymentRecordedV1(
        affiliate_id=affiliate_id,
        payment_id=entry.key,
        mode=entry.mode,
        amount=money(-entry.amount),
        value_date=entry.value_date,
        status=cast(Literal["pending", "settled", "posted"], entry.status),
        paid=paid_items(entry, after),
        external_reference=entry.external_reference,
        standing=standing_fact(after),
        recorded_at=at,
    )


def payment_settled(
    affiliate_id: str, entry: Entry, entries: Sequence[Entry], on: date, at: datetime
) -> v1.PaymentSettledV1:
    return v1.PaymentSettledV1(
        affiliate_id=affiliate_id,
        payment_id=entry.key,
        amount=money(-entry.amount),
        settled_on=on,
        standing=standing_fact(standing(entries, on)),
        settled_at=at,
    )


def payment_rejected(
    affiliate_id: str,
    payment: Entry,
    rejection: Entry,
    entries: Sequence[Entry],
    on: date,
    at: datetime,
    instalment_due_date: date | None,
) -> v1.PaymentRejectedV1:
    assert payment.mode is not None
    assert rejection.obligation is not None
    code = rejection.reason or "MS03"
    return v1.PaymentRejectedV1(
        affiliate_id=affiliate_id,
        payment_id=payment.key,
        mode=payment.mode,
        amount=money(-payment.amount),
        reason_code=code,
        reason_label=reason_label(code),
        rejected_on=rejection.value_date,
        instalment_due_date=instalment_due_date,
        debt=v1.Debt(
            reference=rejection.obligation,
            amount=money(rejection.amount),
            due_date=rejection.value_date,
        ),
        standing=standing_fact(standing(entries, on)),
        rejected_at=at,
    )


def mandate_signed(m: Mandate, at: datetime) -> v1.DirectDebitMandateSignedV1:
    return v1.DirectDebitMandateSignedV1(
        affiliate_id=m.affiliate_id,
        rum=m.rum,
        holder=m.account.holder,
        iban=mask_iban(m.account.iban),
        bic=m.account.bic,
        creditor_id=m.creditor_id,
        signed_on=m.signed_on,
        effective_from=m.effective_from,
        signed_at=at,
    )


def mandate_changed(previous: Mandate, m: Mandate, at: datetime) -> v1.DirectDebitMandateChangedV1:
    return v1.DirectDebitMandateChangedV1(
        affiliate_id=m.affiliate_id,
        previous_rum=previous.rum,
        rum=m.rum,
        holder=m.account.holder,
        iban=mask_iban(m.account.iban),
        bic=m.account.bic,
        creditor_id=m.creditor_id,
        signed_on=m.signed_on,
        effective_from=m.effective_from,
        changed_at=at,
    )


def mandate_revoked(
    m: Mandate, effective_from: date, at: datetime
) -> v1.DirectDebitMandateRevokedV1:
    return v1.DirectDebitMandateRevokedV1(
        affiliate_id=m.affiliate_id, rum=m.rum, effective_from=effective_from, revoked_at=at
    )


def debits_prenotified(
    m: Mandate,
    debits: Sequence[Instalment],
    reason: Literal["mandate_signed", "mandate_changed", "amounts_changed"],
    creditor_name: str,
    at: datetime,
) -> v1.DebitsPrenotifiedV1:
    return v1.DebitsPrenotifiedV1(
        affiliate_id=m.affiliate_id,
        holder=m.account.holder,
        rum=m.rum,
        creditor_id=m.creditor_id,
        creditor_name=creditor_name,
        iban=mask_iban(m.account.iban),
        reason=reason,
        first_debit_date=debits[0].due_date,
        debits=[v1.PlannedDebit(debit_date=d.due_date, amount=money(d.amount)) for d in debits],
        total=money(sum((d.amount for d in debits), Decimal(0))),
        notified_at=at,
    )
