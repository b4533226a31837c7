"""Commands of telepayment and payment-delay plans (each names its caller; delegated access
decides in the service layer)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from cotisations.domain.commands import Command
from cotisations.domain.payments.mandate import AdhesionForm
from cotisations.domain.payments.split import Part

if TYPE_CHECKING:
    from servicekit.auth import Principal


@dataclass(frozen=True)
class AdhereTelepayment(Command):
    principal: Principal
    affiliate_id: str
    form: AdhesionForm


@dataclass(frozen=True)
class RevokeTelepayment(Command):
    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class ReadPayables(Command):
    principal: Principal
    affiliate_id: str


@dataclass(frozen=True)
class PreviewTelepayment(Command):
    """« Valider le paiement »: what would be debited; nothing is written."""

    principal: Principal
    affiliate_id: str
    reference: str
    parts: tuple[Part, ...]
    amount: Decimal | None = None
    """Less than the amount shown (the rest stays due); None: the whole of it."""


@dataclass(frozen=True)
class MakeTelepayment(Command):
    principal: Principal
    affiliate_id: str
    reference: str
    parts: tuple[Part, ...]
    amount: Decimal | None = None
    """Less than the amount shown (the rest stays due); None: the whole of it."""


@dataclass(frozen=True)
class ChangeTelepayment(Command):
    principal: Principal
    affiliate_id: str
    payment_id: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class PreviewPlan(Command):
    principal: Principal
    affiliate_id: str
    instalments: int


@dataclass(frozen=True)
class RequestPlan(Command):
    principal: Principal
    affiliate_id: str
    instalments: int


@dataclass(frozen=True)
class DecidePlan(Command):
    principal: Principal
    affiliate_id: str
    plan_id: str
    grant: bool
    reason: str | None


@dataclass(frozen=True)
class SweepMissedPlans(Command):
    """End every plan granted whose instalment was missed (the worker's daily sweep)."""


@dataclass(frozen=True)
class SweepStandings(Command):
    """Publish the standing of every account whose standing moved since the last one published
    (the worker's daily sweep); ``only_new``: of the accounts none was published for yet (opened
    since, swept at every tick)."""

    only_new: bool = False
