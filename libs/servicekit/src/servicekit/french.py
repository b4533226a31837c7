"""French, where people read it: dates inside sentences, amounts, and the dates people type.

One helper for the whole platform (problem details, row reasons, mails, letters):

- :func:`day` — ``2026-12-01`` → ``1er décembre 2026``; ``2026-07-15`` → ``15 juillet 2026``;
- :func:`day_and_time` — an instant in Paris time: ``17 janvier 2026 à 10 h 00``;
- :func:`euros` — ``1234.5`` → ``1 234,50 €``;
- :data:`TypedDate` — a pydantic type for a date a person types: ``2026-03-14``, ``14/03/2026``,
  ``14-03-2026`` or ``14.03.2026``; anything else is refused with a French message.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_TYPED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
ACCEPTED_DATE_FORMATS = "AAAA-MM-JJ ou JJ/MM/AAAA"


def _as_day(value: str | date | datetime) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo else value.date()
    return value


def day(value: str | date | datetime) -> str:
    """A day inside a French sentence (``le 1er décembre 2026``, ``au 15 juillet 2026``)."""
    d = _as_day(value)
    number = "1er" if d.day == 1 else str(d.day)
    return f"{number} {MONTHS[d.month - 1]} {d.year}"


def day_and_time(value: str | datetime) -> str:
    """An instant, in Paris time: ``17 janvier 2026 à 10 h 00``."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(PARIS)
    return f"{day(local.date())} à {local.hour} h {local.minute:02d}"


def time_of_day(value: str | datetime) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(PARIS)
    return f"{local.hour} h {local.minute:02d}"


def euros(value: str | int | Decimal, *, thousands: str = " ") -> str:
    """``1234.5`` → ``1 234,50 €`` (``thousands``: the separator of the groups, a narrow
    no-break space in typeset documents)."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{thousands.join(groups)},{cents} €"


def parse_typed_date(value: Any) -> Any:
    """``14/03/1979`` (or ``-`` / ``.``) → ``date(1979, 3, 14)``; ISO dates and ``date``
    objects pass through; anything else is refused in French."""
    if isinstance(value, date | datetime) or not isinstance(value, str):
        return value
    match = _TYPED.match(value)
    try:
        if match:
            d, m, y = (int(g) for g in match.groups())
            return date(y, m, d)
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise PydanticCustomError(
            "date_format",
            "Ce champ doit être une date valide ({formats}).",
            {"formats": ACCEPTED_DATE_FORMATS},
        ) from exc


TypedDate = Annotated[
    date,
    BeforeValidator(parse_typed_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"Une date : {ACCEPTED_DATE_FORMATS} (14/03/1979).",
            "examples": ["1979-03-14", "14/03/1979"],
        }
    ),
]
