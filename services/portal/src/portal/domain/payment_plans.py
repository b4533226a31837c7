"""« Demander un délai de paiement »: the debts a plan covers, the words of its preview.

cotisations has no read of a payment-delay plan: « Mes cotisations » shows a plan through what
the account shows of it (``templates/payment_plan_status.html``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

NBSP = "\u00a0"
ENDED_PREFIX = "debt:plan-"
MAX_INSTALMENTS = 12
"""What cotisations allows (1 to 12 monthly instalments); cotisations says so when refused."""

MISSED_RULE = (
    "Une mensualité non réglée à sa date met fin au délai : le reste de la dette devient alors "
    "exigible en une fois, dès le lendemain de cette date."
)
"""What happens when an instalment is missed, in the words cotisations' mails use."""

GRANTING_RULE = (
    "Un délai est accordé immédiatement lorsque la dette, hors majorations, est d'au plus "
    "5\u00a0000,00\u00a0€, qu'il compte au plus 6 mensualités et qu'aucun délai de paiement "
    "du compte n'a été interrompu depuis 12 mois. Sinon, un agent examine la demande et "
    "l'accorde ou la refuse en donnant le motif."
)


def french_rate(rate: str | None) -> str:
    """``"0.054"`` → « 5,4 % » (a no-break space before the sign)."""
    if not rate:
        return ""
    try:
        percent = (Decimal(rate) * 100).normalize()
    except InvalidOperation:
        return rate
    text = f"{percent:f}".replace(".", ",")
    return f"{text}{NBSP}%"


def instalments_typed(value: str) -> int | None:
    """The number of instalments as typed (« 3 », « 12 »); ``None`` when it is no number."""
    text = value.strip()
    if not text.isdigit() or len(text) > 3:
        return None
    return int(text)


def debt_origins(account: dict[str, Any]) -> dict[str, str]:
    """What each debt of the account comes from, as cotisations words it, by reference."""
    return {str(d.get("reference")): str(d.get("origin") or "") for d in account.get("debts") or []}


def origin_of(origins: dict[str, str], reference: str) -> str:
    if origins.get(reference):
        return origins[reference]
    if reference.startswith(ENDED_PREFIX):
        return "Reste d'un délai de paiement interrompu"
    return "Dette"


def debts_to_cover(account: dict[str, Any], payables: dict[str, Any]) -> list[dict[str, Any]]:
    """The debts a plan would cover — those the account offers to pay, as cotisations counts
    them for a plan — each with what it comes from."""
    origins = debt_origins(account)
    return [
        {**item, "origin": origin_of(origins, str(item.get("reference") or ""))}
        for item in payables.get("payables") or []
        if item.get("kind") == "debt"
    ]
