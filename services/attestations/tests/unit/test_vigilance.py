"""The rule of the attestation de vigilance, case by case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from attestations.domain.vigilance import (
    Granted,
    Refused,
    Standing,
    VigilanceFacts,
    add_months,
    decide_vigilance,
)

TODAY = date(2026, 3, 10)


def standing(balance: str = "0.00", overdue: str = "0.00", oldest: date | None = None) -> Standing:
    return Standing(
        as_of=date(2026, 3, 5),
        balance_due=Decimal(balance),
        overdue=Decimal(overdue),
        oldest_overdue_due_date=oldest,
        up_to_date=Decimal(overdue) <= 0,
    )


CASES = [
    ("up to date", VigilanceFacts(None, standing()), None, "à jour de ses obligations"),
    (
        "one unpaid instalment",
        VigilanceFacts(None, standing("412.00", "412.00", date(2026, 2, 5))),
        "unpaid",
        "depuis le 5 février 2026 : 412,00 €",
    ),
    (
        "debt under a respected granted plan",
        VigilanceFacts(None, standing("1200.00"), plan="running"),
        None,
        "échéancier de paiement accordé et respecté",
    ),
    (
        "plan broken",
        VigilanceFacts(None, standing("800.00"), plan="broken"),
        "plan_broken",
        "n'a pas été respecté : 800,00 € restent dus",
    ),
    (
        "plan broken then paid off",
        VigilanceFacts(None, standing(), plan="broken"),
        None,
        "à jour",
    ),
    (
        "a plan asked for, not yet granted, does not cover the debt",
        VigilanceFacts(None, standing("300.00", "300.00", date(2026, 1, 5)), plan="requested"),
        "unpaid",
        "restent impayées",
    ),
    (
        "declarations missing",
        VigilanceFacts(None, standing(), missing_declarations=("2026-03",)),
        "declaration_missing",
        "Votre déclaration de chiffre d'affaires de mars 2026 n'a pas été reçue",
    ),
    (
        "declarations missing, a quarter and a month",
        VigilanceFacts(None, standing(), missing_declarations=("2025-T4", "2026-01")),
        "declaration_missing",
        "du 4e trimestre 2025 et de janvier 2026 n'ont pas été reçues",
    ),
    (
        "radiated",
        VigilanceFacts(date(2026, 1, 1), standing()),
        "radiated",
        "radié(e) depuis le 1er janvier 2026",
    ),
    ("account never seen", VigilanceFacts(None, None), "unknown_account", "pas encore connue"),
]


@pytest.mark.parametrize(("name", "facts", "reason", "words"), CASES, ids=[c[0] for c in CASES])
def test_the_vigilance_rule_grants_or_refuses_with_the_reason_in_french(
    name: str, facts: VigilanceFacts, reason: str | None, words: str
) -> None:
    decision = decide_vigilance(facts, TODAY)
    if reason is None:
        assert isinstance(decision, Granted)
        assert words in decision.statement
        assert decision.valid_until == date(2026, 9, 10)
    else:
        assert isinstance(decision, Refused)
        assert decision.reason == reason
        assert words in decision.message
        assert decision.what_to_do


def test_a_radiation_to_come_does_not_refuse_yet() -> None:
    assert isinstance(
        decide_vigilance(VigilanceFacts(date(2026, 6, 30), standing()), TODAY), Granted
    )


def test_six_months_from_the_end_of_a_long_month_ends_on_the_last_day_of_a_short_one() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
