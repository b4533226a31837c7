"""Each refusal of the domain has its problem document; the business date is a development
setting, said at start-up and refused in production."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

import pytest
from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.domain import errors
from cotisations.domain.payments import errors as payment_errors
from cotisations.domain.payments import refusals as payment_refusals
from cotisations.entrypoints.problems import _PROBLEMS, detail_of, to_problem
from pydantic import ValidationError
from servicekit.clock import SystemClock
from structlog.testing import capture_logs


@pytest.mark.parametrize(
    ("error", "status", "kind", "title"),
    [
        (errors.ComputationInputInvalid("x"), 422, "validation-error", "Données invalides"),
        (errors.AccountNotFound(), 404, "account-not-found", "Ressource introuvable"),
        (errors.CareerAssureOnly(), 403, "career-assure-only", "Accès refusé"),
        (errors.EstimateLocked(date(2026, 4, 1)), 409, "estimate-locked", "Conflit"),
        (errors.DebitDayLocked(date(2027, 1, 1)), 409, "debit-day-locked", "Conflit"),
        (errors.IncomeAlreadyDeclared(2025), 409, "income-already-declared", "Conflit"),
        (errors.PeriodAlreadyDeclared("2026-02"), 409, "period-already-declared", "Conflit"),
    ],
)
def test_each_refusal_is_answered_with_its_status_kind_and_french_detail(
    error: errors.CotisationsError, status: int, kind: str, title: str
) -> None:
    body = to_problem(error).body()
    assert (body["status"], body["type"].rsplit("/", 1)[-1], body["title"]) == (status, kind, title)
    assert body["detail"] == error.message


def test_a_locked_function_says_when_it_opens_again_and_a_refusal_of_the_rules_has_no_field() -> (
    None
):
    assert to_problem(errors.EstimateLocked(date(2026, 4, 1))).body()["unlocks_on"] == "2026-04-01"
    assert to_problem(errors.DebitDayLocked(date(2027, 1, 1))).body()["unlocks_on"] == "2027-01-01"
    assert to_problem(errors.ComputationInputInvalid("x")).body()["errors"] == []


def test_every_refusal_of_the_domain_has_its_own_line_in_the_table() -> None:
    refusals = [
        cls
        for module in (errors, payment_errors, payment_refusals)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, errors.CotisationsError)
        # the bases, and a payment's rule refused as any rule (422 naming its field)
        and cls
        not in (
            errors.CotisationsError,
            errors.FunctionLocked,
            payment_refusals.PaymentInputInvalid,
        )
    ]
    assert set(refusals) == set(_PROBLEMS)


def test_a_payment_refusal_answers_with_its_own_code() -> None:
    conflict = to_problem(payment_refusals.PaymentConflict("x", code="telepayment-locked"))
    assert (conflict.status, conflict.kind) == (409, "telepayment-locked")
    assert conflict.body()["code"] == "telepayment-locked"
    not_offered = to_problem(payment_refusals.PaymentNotOffered("y", "past-due"))
    assert (not_offered.status, not_offered.body()["reason"]) == (422, "past-due")
    assert to_problem(payment_refusals.AgentOnly()).status == 403


# -- the business date -----------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["ENVIRONMENT", "COTISATIONS_ENVIRONMENT"])
def test_a_business_date_is_refused_when_the_environment_is_production(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "production")
    monkeypatch.setenv("COTISATIONS_BUSINESS_DATE", "2026-03-01")
    with pytest.raises(ValidationError, match="development setting"):
        CotisationsSettings()
    monkeypatch.delenv("COTISATIONS_BUSINESS_DATE")
    assert CotisationsSettings().environment == "production"


async def test_a_business_date_stops_the_rules_on_that_day_and_is_said_at_start_up() -> None:
    settings = CotisationsSettings(
        database_url="sqlite+aiosqlite:///:memory:", business_date=date(2026, 3, 1)
    )
    with capture_logs() as logs:
        app = bootstrap(settings)
    assert app.clock.now() == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert [(log["event"], log["log_level"], log["business_date"]) for log in logs] == [
        ("business_date_override", "warning", "2026-03-01")
    ]
    await app.stop()


async def test_without_a_business_date_the_rules_see_the_real_time_and_nothing_is_said() -> None:
    with capture_logs() as logs:
        app = bootstrap(CotisationsSettings(database_url="sqlite+aiosqlite:///:memory:"))
    assert isinstance(app.clock, SystemClock)
    assert logs == []
    await app.stop()


def test_a_refused_body_says_each_mistake_once_as_sentences() -> None:
    twice = "Le montant débité s'écrit en euros, avec au plus deux décimales, par exemple 500.00."
    errors_ = [
        {"field": "parts.0.amount", "code": "value_error", "message": twice},
        {"field": "parts.1.amount", "code": "value_error", "message": twice},
        {"field": "holder", "code": "missing", "message": "Champ obligatoire"},
    ]
    assert detail_of(errors_) == f"{twice} Titulaire du compte : champ obligatoire."
    assert detail_of([]) == "Données invalides."


def test_a_missing_idempotency_key_is_named_in_words() -> None:
    missing = [
        {
            "field": "header.Idempotency-Key",
            "code": "missing",
            "message": "Ce champ est obligatoire.",
        }
    ]
    assert detail_of(missing) == (
        "L'en-tête Idempotency-Key (une clé par demande, la même pour la renvoyer) : "
        "ce champ est obligatoire."
    )
