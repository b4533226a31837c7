"""French formatting for the templates: dates, amounts, links."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_URL = re.compile(r"https?://[^\s<]+")


def _instant(value: str | datetime) -> datetime:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(PARIS)


def french_datetime(value: str | datetime) -> str:
    """``2026-01-17T09:00:00+00:00`` → ``17 janvier 2026 à 10 h 00`` (Paris time)."""
    local = _instant(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def french_day(value: str | date | datetime) -> str:
    """A day: ``2026-04-07`` → ``7 avril 2026``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def french_time(value: str | datetime) -> str:
    local = _instant(value)
    return f"{local.hour} h {local.minute:02d}"


def euros(value: str | int | Decimal) -> str:
    """``1234.5`` → ``1 234,50 €``."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups)},{cents} €"


def linkify(text: str) -> Markup:
    """Escape a paragraph and turn its URLs into links."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        url = str(escape(match.group(0)))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped
