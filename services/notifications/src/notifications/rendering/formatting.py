"""French formatting of dates for the templates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_datetime(value: str | datetime) -> str:
    """``2026-01-17T09:00:00+00:00`` → ``17 janvier 2026 à 10 h 00`` (Paris time)."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(PARIS)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"
