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


def period(code: str) -> str:
    """A declaration's period as cotisations writes it, in words: ``2026-03`` « mars 2026 »,
    ``2026-T1`` « 1er trimestre 2026 », ``2026-T2`` « 2e trimestre 2026 »; anything else as
    it is."""
    year, _, rest = code.partition("-")
    if rest.startswith("T") and rest[1:].isdigit():
        n = int(rest[1:])
        return f"{n}{'er' if n == 1 else 'e'} trimestre {year}"
    if rest.isdigit() and 1 <= int(rest) <= 12:
        return f"{french.MONTHS[int(rest) - 1]} {year}"
    return code
