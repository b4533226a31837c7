"""Payment-delay plans (« Demander un délai de paiement », docs/rules.md §9.4).

- A plan spreads the account's debts, with their late-payment surcharges counted on the day of
  the request, over 1 to 12 monthly instalments; the cents are spread so the instalments sum
  exactly to the total (the first ones carry the extra cent). The first instalment falls one
  month after the request, the next ones monthly on the same day (clamped to the month's end),
  each moved to the next working day of the département.
- The preview shows the surcharges and the schedule before anything is asked.
- **Granted at once** when the case is small and simple: debts of at most 5 000,00 € (before
  surcharges), at most 6 instalments, and no plan of the account ended for a missed instalment
  in the 12 months before the request. Otherwise an agent decides: grants, or refuses with a
  reason.
- A plan granted ends as soon as one of its instalments is not paid by its due date: the
  remaining debt is then due at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cotisations.domain.calendar import next_working_day
from cotisations.domain.payments.refusals import PaymentConflict, PaymentInputInvalid
from cotisations.domain.payments.surcharge import Surcharge, surcharge
from cotisations.domain.rules import add_months
from cotisations.domain.schedule import split

MAX_INSTALMENTS = 12
AUTO_GRANT_MAX_DEBT = Decimal("5000.00")
AUTO_GRANT_MAX_INSTALMENTS = 6
AUTO_GRANT_CLEAN_MONTHS = 12
AUTO_GRANT_REASON = (
    "Accordé automatiquement : dette d'au plus 5 000,00 €, 6 échéances au plus et aucun délai "
    "de paiement rompu depuis 12 mois."
)


class PlanStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    ENDED = "ended"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Debt:
    reference: str
    amount: Decimal
    due_date: date


@dataclass(frozen=True)
class PlanInstalment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class PlanPreview:
    debts: tuple[Debt, ...]
    surcharges: tuple[Surcharge, ...]
    principal: Decimal
    surcharge_total: Decimal
    total: Decimal
    instalments: tuple[PlanInstalment, ...]
    granted_at_once: bool


def auto_grantable(
    principal: Decimal, instalments: int, last_broken_on: date | None, today: date
) -> bool:
    """The rule for small simple cases, granted without an agent."""
    clean = last_broken_on is None or add_months(last_broken_on, AUTO_GRANT_CLEAN_MONTHS) <= today
    return principal <= AUTO_GRANT_MAX_DEBT and instalments <= AUTO_GRANT_MAX_INSTALMENTS and clean


def preview(
    debts: list[Debt],
    instalments: int,
    today: date,
    departement: str,
    last_broken_on: date | None = None,
) -> PlanPreview:
    """The surcharges, the total and the monthly schedule of a plan asked ``today``."""
    if not debts:
        raise PaymentInputInvalid(
            "Le compte n'a aucune dette : un délai de paiement ne porte que sur une dette.",
            field="debts",
        )
    if not 1 <= instalments <= MAX_INSTALMENTS:
        raise PaymentInputInvalid(
            f"Un délai de paiement compte de 1 à {MAX_INSTALMENTS} échéances mensuelles.",
            field="instalments",
        )
    surcharges = tuple(surcharge(d.amount, d.due_date, today) for d in debts)
    principal = sum((d.amount for d in debts), Decimal("0.00"))
    surcharge_total = sum((s.amount for s in surcharges), Decimal("0.00"))
    total = principal + surcharge_total
    cents = int(total * 100)
    if cents < instalments:  # no instalment of nothing
        raise PaymentInputInvalid(
            f"{total:.2f} € ne se répartissent pas en {instalments} échéances d'au moins un "
            f"centime : choisissez-en au plus {cents}.".replace(".", ",", 1),
            field="instalments",
        )
    dates = [next_working_day(add_months(today, n), departement) for n in range(1, instalments + 1)]
    schedule = tuple(
        PlanInstalment(n, d, a)
        for n, (d, a) in enumerate(zip(dates, split(total, instalments), strict=True), start=1)
    )
    return PlanPreview(
        debts=tuple(debts),
        surcharges=surcharges,
        principal=principal,
        surcharge_total=surcharge_total,
        total=total,
        instalments=schedule,
        granted_at_once=auto_grantable(principal, instalments, last_broken_on, today),
    )


@dataclass(frozen=True)
class PaymentPlan:
    """A plan and its decision; ``paid`` holds the numbers of the instalments paid."""

    plan_id: str
    affiliate_id: str
    requested_on: date
    total: Decimal
    instalments: tuple[PlanInstalment, ...]
    status: PlanStatus = PlanStatus.REQUESTED
    decided_by: str | None = None
    decided_on: date | None = None
    reason: str | None = None
    ended_on: date | None = None
    paid: frozenset[int] = field(default_factory=frozenset)
    debt_references: tuple[str, ...] = ()
    """The debts the plan reschedules."""

    @classmethod
    def request(cls, plan_id: str, affiliate_id: str, p: PlanPreview, today: date) -> PaymentPlan:
        plan = cls(
            plan_id,
            affiliate_id,
            today,
            p.total,
            p.instalments,
            debt_references=tuple(d.reference for d in p.debts),
        )
        if p.granted_at_once:
            return plan.grant("rule", today, AUTO_GRANT_REASON)
        return plan

    def _pending(self) -> None:
        if self.status is not PlanStatus.REQUESTED:
            raise PaymentConflict(
                "Ce délai de paiement a déjà été décidé : il ne peut plus l'être.",
                code="plan-already-decided",
            )

    def grant(self, by: str, today: date, reason: str | None = None) -> PaymentPlan:
        self._pending()
        return replace(
            self, status=PlanStatus.GRANTED, decided_by=by, decided_on=today, reason=reason
        )

    def refuse(self, by: str, today: date, reason: str) -> PaymentPlan:
        self._pending()
        if not reason.strip():
            raise PaymentInputInvalid(
                "Le refus d'un délai de paiement dit pourquoi : indiquez le motif.", field="reason"
            )
        return replace(
            self, status=PlanStatus.REFUSED, decided_by=by, decided_on=today, reason=reason.strip()
        )

    def instalment(self, number: int) -> PlanInstalment:
        for i in self.instalments:
            if i.number == number:
                return i
        raise PaymentInputInvalid("Ce délai de paiement n'a pas cette échéance.", field="number")

    def pay(self, number: int) -> PaymentPlan:
        if self.status is not PlanStatus.GRANTED:
            raise PaymentConflict(
                "Ce délai de paiement n'est pas en cours : ses échéances ne se paient plus.",
                code="plan-not-running",
            )
        self.instalment(number)
        paid = self.paid | {number}
        done = len(paid) == len(self.instalments)
        return replace(self, paid=paid, status=PlanStatus.COMPLETED if done else self.status)

    def missed(self, today: date) -> PlanInstalment | None:
        """The first instalment unpaid after its due date, if any."""
        if self.status is not PlanStatus.GRANTED:
            return None
        return next(
            (i for i in self.instalments if i.number not in self.paid and i.due_date < today), None
        )

    @property
    def remaining(self) -> Decimal:
        return sum(
            (i.amount for i in self.instalments if i.number not in self.paid), Decimal("0.00")
        )

    def end_if_missed(self, today: date) -> PaymentPlan:
        """A missed instalment ends the plan: what remains is due at once (``remaining``)."""
        if self.missed(today) is None:
            return self
        return replace(self, status=PlanStatus.ENDED, ended_on=today)
