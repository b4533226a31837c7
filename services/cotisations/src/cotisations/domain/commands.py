"""Commands: what a caller asks of a contribution account.

Each names the caller (``principal``, as its token says): whether it may act on the affilié,
and with which right, is decided by the service layer through delegated access.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the caller's identity is only carried here, never looked into
    from servicekit.auth import Principal


class Command:
    """Marker base class."""


@dataclass(frozen=True)
class ReadAccount(Command):
    """The year's contributions and échéancier (the current year when ``year`` is None)."""

    principal: Principal
    affiliate_id: str
    year: int | None = None


@dataclass(frozen=True)
class ReadCareer(Command):
    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class PreviewEstimate(Command):
    """What an income estimate would change; nothing is written."""

    principal: Principal
    affiliate_id: str
    year: int
    income: Decimal


@dataclass(frozen=True)
class ApplyEstimate(Command):
    principal: Principal
    affiliate_id: str
    year: int
    income: Decimal


@dataclass(frozen=True)
class DeclareIncome(Command):
    """The definitive income of a finished year."""

    principal: Principal
    affiliate_id: str
    year: int
    income: Decimal


@dataclass(frozen=True)
class DeclareTurnover(Command):
    """A micro-entrepreneur's turnover of a month (``2026-03``) or a quarter (``2026-T1``)."""

    principal: Principal
    affiliate_id: str
    period: str
    turnover: Decimal


@dataclass(frozen=True)
class ChangePeriodicity(Command):
    principal: Principal
    affiliate_id: str
    periodicity: str


@dataclass(frozen=True)
class ChangeDebitDay(Command):
    principal: Principal
    affiliate_id: str
    debit_day: int
