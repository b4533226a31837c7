"""The télépaiements still to be debited, as « Mes cotisations » and their change page show
them: what each pays, from which accounts (IBANs masked as cotisations gives them), on which
day, and whether it may still be changed — until noon, Paris time, the day before its debit
(cotisations says until when: ``changeable_until``; it refuses a change after, whatever the
portal showed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

SCHEDULED = "scheduled"
"""A télépaiement the bank has not answered yet (cotisations shows it so until then)."""


@dataclass(frozen=True)
class Scheduled:
    payment_id: str
    reference: str
    kind: str
    """``current``, ``debt`` or ``plan_instalment`` (words: ``wording.PAYABLE_KINDS``)."""
    due_date: str | None
    """An instalment's due date (the reference names it)."""
    amount: str
    parts: list[dict[str, str]]
    """``[{iban (masked), amount}]``."""
    debit_on: str
    changeable_until: str
    changeable: bool
    owed: str | None
    """What the amount it pays is owed in all (the most a change may pay), when known."""
    rest: str | None
    """What stays due once it is debited, when known."""


def kind_of(reference: str) -> str:
    if reference.startswith("instalment:"):
        return "current"
    if reference.startswith("plan:"):
        return "plan_instalment"
    return "debt"


def _left(account: dict[str, Any], reference: str, paid: Decimal) -> Decimal | None:
    """What stays due of ``reference`` once ``paid`` is debited: cotisations' outstanding of
    the instalment or the debt already counts the pending télépaiement as paid (an instalment
    not called yet too); one it shows as paid by nothing (``upcoming``) is owed less ``paid``."""
    if reference.startswith("instalment:"):
        day = reference.removeprefix("instalment:")
        for line in account.get("echeancier") or []:
            if line.get("due_date") == day:
                if line.get("payment") == "upcoming":
                    return Decimal(str(line.get("amount") or "0")) - paid
                return Decimal(str(line.get("outstanding") or "0"))
        return None
    if reference.startswith("plan:"):
        return Decimal("0.00")  # a plan's instalment is paid whole
    for debt in account.get("debts") or []:
        if debt.get("reference") == reference and debt.get("outstanding") is not None:
            return Decimal(str(debt["outstanding"]))
    return None


def shown(telepayment: dict[str, Any], account: dict[str, Any], now: datetime) -> Scheduled:
    reference = str(telepayment.get("reference") or "")
    amount = Decimal(str(telepayment.get("amount") or "0"))
    until = str(telepayment.get("changeable_until") or "")
    left = _left(account, reference, amount)
    rest = None if left is None else max(left, Decimal("0.00"))
    return Scheduled(
        payment_id=str(telepayment.get("payment_id") or ""),
        reference=reference,
        kind=kind_of(reference),
        due_date=reference.removeprefix("instalment:") if kind_of(reference) == "current" else None,
        amount=f"{amount:.2f}",
        parts=[
            {"iban": str(p.get("iban") or ""), "amount": str(p.get("amount") or "")}
            for p in telepayment.get("parts") or []
        ],
        debit_on=str(telepayment.get("debit_on") or ""),
        changeable_until=until,
        changeable=bool(until) and now < datetime.fromisoformat(until),
        owed=None if rest is None else f"{rest + amount:.2f}",
        rest=None if rest is None else f"{rest:.2f}",
    )


def scheduled(account: dict[str, Any], payables: dict[str, Any], now: datetime) -> list[Scheduled]:
    """The télépaiements of ``payables`` (cotisations' ``GET …/payables``) still to be
    debited, the nearest debit first."""
    found = [
        shown(t, account, now)
        for t in payables.get("telepayments") or []
        if t.get("status") == SCHEDULED and t.get("payment_id")
    ]
    return sorted(found, key=lambda s: (s.debit_on, s.payment_id))


def find(
    account: dict[str, Any], payables: dict[str, Any], payment_id: str, now: datetime
) -> Scheduled | None:
    return next((s for s in scheduled(account, payables, now) if s.payment_id == payment_id), None)
