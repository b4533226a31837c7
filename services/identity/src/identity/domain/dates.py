"""Dates as people type them: the French form (14/03/1979) or ISO 8601 (1979-03-14)."""

from __future__ import annotations

import re
from datetime import date

FORMATS = "JJ/MM/AAAA (14/03/1979) ou AAAA-MM-JJ (1979-03-14)"
"""The accepted forms, as said to users."""

_FRENCH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(value: str) -> date:
    """The date written ``value``; ``ValueError`` in French if it is no such date."""
    text = value.strip()
    french, iso = _FRENCH.match(text), _ISO.match(text)
    if french:
        day, month, year = (int(g) for g in french.groups())
    elif iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise ValueError(f"Date illisible « {text[:40]} » : écrivez-la {FORMATS}.")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"« {text} » n'est pas une date du calendrier.") from None
