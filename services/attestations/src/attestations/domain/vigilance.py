"""The rule of the attestation de vigilance, free of I/O.

The affilié is up to date with payments (or respects a payment plan granted to them) and with
declarations; the certificate is then valid six months from its issue. Otherwise it is refused
with the reason and what to do, in French. The facts come from the read models (the registry,
the account's standing as the payment events carry it, the plans, the declared incomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from attestations.domain.french import euros, long_date, period

VALIDITY_MONTHS = 6

PlanState = Literal["none", "requested", "running", "refused", "broken"]
Reason = Literal["radiated", "unknown_account", "unpaid", "plan_broken", "declaration_missing"]


@dataclass(frozen=True, slots=True)
class Standing:
    """The account's standing as the last payment event said it."""

    as_of: date
    balance_due: Decimal
    overdue: Decimal
    oldest_overdue_due_date: date | None
    up_to_date: bool


@dataclass(frozen=True, slots=True)
class VigilanceFacts:
    radiated_on: date | None
    standing: Standing | None
    plan: PlanState = "none"
    missing_declarations: tuple[str, ...] = ()
    """The periods whose turnover declaration is due and not received, as cotisations writes
    them (``2026-03``, ``2026-T1``); empty when none."""


@dataclass(frozen=True, slots=True)
class Granted:
    valid_until: date
    statement: str


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Reason
    message: str
    what_to_do: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of a shorter month)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _of(code: str) -> str:
    """« de mars 2026 », « du 1er trimestre 2026 »."""
    words = period(code)
    return f"du {words}" if "trimestre" in words else f"de {words}"


def decide_vigilance(facts: VigilanceFacts, today: date) -> Granted | Refused:
    """Granted (valid six months) or refused with the reason, in this order: radiation,
    declarations, an account never seen, a broken plan, an unpaid amount."""
    if facts.radiated_on is not None and facts.radiated_on <= today:
        return Refused(
            "radiated",
            f"Vous êtes radié(e) depuis le {long_date(facts.radiated_on)} : une attestation "
            "de vigilance ne peut plus être délivrée.",
            "Téléchargez une attestation de radiation.",
        )
    if facts.missing_declarations:
        periods = [_of(p) for p in facts.missing_declarations]
        if len(periods) == 1:
            said = f"Votre déclaration de chiffre d'affaires {periods[0]} n'a pas été reçue."
        else:
            listed = ", ".join(periods[:-1]) + f" et {periods[-1]}"
            said = f"Vos déclarations de chiffre d'affaires {listed} n'ont pas été reçues."
        return Refused(
            "declaration_missing",
            said,
            "Déclarez votre chiffre d'affaires dans l'espace Cotisations (« Déclarer mon "
            "chiffre d'affaires »), puis demandez à nouveau l'attestation.",
        )
    s = facts.standing
    if s is None:
        return Refused(
            "unknown_account",
            "La situation de votre compte cotisant n'est pas encore connue du service des "
            "attestations.",
            "Réessayez dans quelques minutes ; si le refus persiste, contactez votre caisse.",
        )
    valid_until = add_months(today, VALIDITY_MONTHS)
    if facts.plan == "broken" and s.balance_due > 0:
        return Refused(
            "plan_broken",
            "L'échéancier de paiement qui vous avait été accordé n'a pas été respecté : "
            f"{euros(s.balance_due)} restent dus.",
            "Réglez le montant restant dû (télépaiement, chèque ou virement) ou demandez un "
            "nouveau délai de paiement.",
        )
    if s.up_to_date or s.overdue <= 0:
        if facts.plan == "running" and s.balance_due > 0:
            statement = (
                "est à jour de ses obligations de paiement : sa dette fait l'objet d'un "
                "échéancier de paiement accordé et respecté"
            )
        else:
            statement = "est à jour de ses obligations de déclaration et de paiement"
        return Granted(valid_until, statement)
    since = (
        f" depuis le {long_date(s.oldest_overdue_due_date)}" if s.oldest_overdue_due_date else ""
    )
    return Refused(
        "unpaid",
        f"Des cotisations restent impayées{since} : {euros(s.overdue)}.",
        "Réglez le montant dû (télépaiement, chèque ou virement) ou demandez un délai de "
        "paiement, puis demandez à nouveau l'attestation.",
    )
