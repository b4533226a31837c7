"""Dates and amounts as French readers write them."""

from __future__ import annotations

from datetime import date

import pytest
from portal.domain.wording import CLIENT_STATES, french_date, french_euros, label, typed_amount

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("2027-02-05", "5 février 2027"),
        (date(2027, 3, 1), "1er mars 2027"),
        ("2026-08-15", "15 août 2026"),
        ("2026-12-03T23:30:00+00:00", "4 décembre 2026"),  # midnight past in Paris
        (None, ""),
    ],
)
def test_dates_are_written_in_words(value: str | date | None, written: str) -> None:
    assert french_date(value) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("1234.56", f"1{NBSP}234,56{NBSP}€"),
        ("1234567.8", f"1{NBSP}234{NBSP}567,80{NBSP}€"),
        ("0", f"0,00{NBSP}€"),
        ("-12.5", f"-12,50{NBSP}€"),
        ("999.999", f"1{NBSP}000,00{NBSP}€"),
    ],
)
def test_amounts_are_written_the_french_way_and_never_split(value: str, written: str) -> None:
    assert french_euros(value) == written


def test_an_unknown_code_is_shown_as_it_is() -> None:
    assert label(CLIENT_STATES, "active") == "Mandat actif"
    assert label(CLIENT_STATES, "something-new") == "something-new"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("42 000", "42000.00"),
        ("42\u00a0000,5", "42000.50"),
        ("42000.55", "42000.55"),
        ("-1 200", "-1200.00"),
        ("12 000 €", "12000.00"),
        ("beaucoup", None),
        ("1,234", None),
        ("", None),
    ],
)
def test_an_amount_typed_the_french_way_is_read(typed: str, sent: str | None) -> None:
    assert typed_amount(typed) == sent
