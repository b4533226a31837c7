"""Dates and amounts as a French reader reads them inside a sentence (servicekit's, the
amounts with a narrow no-break space between thousands, as a printed certificate sets them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from servicekit import french

NNBSP = "\u202f"


def long_date(day: date) -> str:
    """« 5 mai 2026 », « 1er juin 2026 »."""
    return french.day(day)


def euros(amount: Decimal) -> str:
    """« 1 234,56 € » (narrow no-break space between thousands)."""
    return french.euros(amount, thousands=NNBSP)
