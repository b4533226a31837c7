"""What the bus calls transient, and descriptions of failures that never carry input values."""

from __future__ import annotations

import sqlite3

import pytest
from pydantic import BaseModel, ValidationError
from servicekit.errors import SafeError, TransientError, describe, is_transient
from sqlalchemy.exc import IntegrityError, OperationalError


class Person(BaseModel):
    email: int


def _validation_error() -> ValidationError:
    try:
        Person.model_validate({"email": "jean.dupont@example.fr"})
    except ValidationError as exc:
        return exc
    raise AssertionError("no error")


def test_a_validation_error_is_described_without_the_input_value() -> None:
    text = describe(_validation_error())
    assert "email" in text
    assert "jean.dupont@example.fr" not in text


def test_a_database_error_is_described_without_its_statement_nor_parameters() -> None:
    exc = IntegrityError(
        "INSERT INTO accounts (email) VALUES (?)",
        ("jean.dupont@example.fr",),
        sqlite3.IntegrityError("UNIQUE constraint failed: accounts.email"),
    )
    text = describe(exc)
    assert text.startswith("IntegrityError (IntegrityError")
    assert "jean.dupont" not in text
    assert "INSERT" not in text


def _check_iban() -> None:
    raise ValueError("bad IBAN FR7630006000011234567890189")


def test_any_other_error_keeps_its_type_and_place_but_not_its_text() -> None:
    with pytest.raises(ValueError, match="IBAN") as caught:
        _check_iban()
    text = describe(caught.value)
    assert text.startswith("ValueError at ")
    assert "in _check_iban" in text
    assert "FR76" not in text


def test_an_error_written_for_people_keeps_its_text() -> None:
    assert describe(SafeError("la clé ne correspond pas")) == (
        "SafeError: la clé ne correspond pas"
    )


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("later"),
        ConnectionRefusedError(),
        TimeoutError(),
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
    ],
)
def test_unreachable_or_busy_resources_are_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("a bug"),
        KeyError("x"),
        OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x")),
        _validation_error(),
    ],
)
def test_bugs_and_broken_rules_are_permanent(exc: BaseException) -> None:
    assert not is_transient(exc)


def test_a_cause_that_is_transient_makes_the_failure_transient() -> None:
    failure = RuntimeError("while saving")
    failure.__cause__ = ConnectionResetError()
    assert is_transient(failure)
