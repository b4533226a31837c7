"""« Valider le paiement »: one telepayment split over up to three bank accounts, debited on
the due date and changeable until noon (Paris time) the day before (docs/rules.md §9.2).

- 1 to 3 parts, each on a distinct bank account whose IBAN is valid, French RIB key
  included (``bank_account.py``);
- each part is a positive amount to the cent (no third decimal), and the parts add up exactly
  to the amount paid;
- the debit is made on the due date, never before: on the amount's due date when it is still
  to come, else on the day the payment is made; moved to the next working day of the
  département;
- the amounts can be changed until noon, Europe/Paris, of the day before the debit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from servicekit.french import day, day_and_time, euros

from cotisations.domain.calendar import next_working_day
from cotisations.domain.payments.bank_account import checked_iban
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid

MAX_ACCOUNTS = 3
PARIS = ZoneInfo("Europe/Paris")
CHANGE_DEADLINE = time(12, 0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Part:
    iban: str
    amount: Decimal


@dataclass(frozen=True)
class DebitPart:
    """What will be debited from one account: the IBAN in its electronic form, and where the
    part stands with the bank: ``scheduled``, ``sent`` (in a debit day's file, on ``sent_on``),
    then ``settled`` or ``rejected`` by the bank's return."""

    iban: str
    amount: Decimal
    status: str = "scheduled"
    sent_on: date | None = None


@dataclass(frozen=True)
class DebitPlan:
    """What « Valider le paiement » answers: what is debited, from which accounts, when, and
    until when it can be changed."""

    amount: Decimal
    parts: tuple[DebitPart, ...]
    debit_on: date
    changeable_until: datetime


def to_the_cent(amount: Decimal, field: str = "amount") -> Decimal:
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise PaymentInputInvalid(
            "Un montant s'écrit en euros et centimes, avec deux décimales au plus.", field=field
        )
    return amount.quantize(CENT)


def debit_day(due_date: date, paid_on: date, departement: str) -> date:
    """The debit is on the due date, never before; a debt already due is debited the day the
    payment is made; either moved to the next working day."""
    return next_working_day(max(due_date, paid_on), departement)


def changeable_until(debit_on: date) -> datetime:
    return datetime.combine(debit_on - timedelta(days=1), CHANGE_DEADLINE, tzinfo=PARIS)


def validate(
    amount: Decimal, parts: list[Part], *, due_date: date, paid_on: date, departement: str
) -> DebitPlan:
    """Check a split payment of ``amount`` and say what will be debited, from where, when."""
    amount = to_the_cent(amount)
    if amount <= 0:
        raise PaymentInputInvalid("Le montant à payer doit être positif.", field="amount")
    if not parts:
        raise PaymentInputInvalid("Indiquez au moins un compte bancaire à débiter.", field="parts")
    if len(parts) > MAX_ACCOUNTS:
        raise PaymentInputInvalid(
            f"Un paiement peut être réparti sur {MAX_ACCOUNTS} comptes bancaires au plus.",
            field="parts",
        )
    debits: list[DebitPart] = []
    for part in parts:
        iban = checked_iban(part.iban)
        part_amount = to_the_cent(part.amount)
        if part_amount <= 0:
            raise PaymentInputInvalid(
                "Le montant débité sur chaque compte doit être positif.", field="parts"
            )
        if any(d.iban == iban for d in debits):
            raise PaymentInputInvalid(
                "Chaque part du paiement est débitée sur un compte différent.", field="parts"
            )
        debits.append(DebitPart(iban, part_amount))
    total = sum((d.amount for d in debits), Decimal("0.00"))
    if total != amount:
        raise PaymentInputInvalid(
            f"La somme des parts ({euros(total)}) doit être égale au montant à payer "
            f"({euros(amount)}).",
            field="parts",
        )
    debit_on = debit_day(due_date, paid_on, departement)
    return DebitPlan(amount, tuple(debits), debit_on, changeable_until(debit_on))


def check_changeable(plan: DebitPlan, now: datetime) -> None:
    """The amounts of a telepayment can be changed until noon (Paris) the day before its
    debit; refused after, with the deadline."""
    if now.astimezone(PARIS) >= plan.changeable_until:
        raise PaymentConflict(
            "Le montant d'un télépaiement peut être modifié jusqu'à midi la veille du "
            f"prélèvement : le prélèvement du {day(plan.debit_on)} ne peut plus être modifié "
            f"depuis le {day_and_time(plan.changeable_until)}.",
            code="telepayment-locked",
        )
