"""When « Payer » is offered next to an amount, and why not (docs/rules.md §9.1).

The three cases in which the button is not offered are the FAQ's, in its words:

- the account pays by automatic debit: not for its current contributions;
- the window of a current instalment has not opened: it opens 3 weeks before the due date
  (« à l'édition des avis d'appels »);
- the due date has passed: cheque or bank transfer from then on.

Debts and the instalments of a payment-delay plan can be paid at all times, whatever the
account's mode. A due date is the working day the échéancier gives (a Saturday, Sunday or
public holiday of the département moves to the next working day); the window is counted back
from that day. Monthly instalments follow the same rule as quarterly ones: 3 weeks before their
due date; two monthly due dates are always more than 3 weeks apart, so one window never covers
two instalments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from servicekit.french import day

from cotisations.domain.calendar import next_working_day
from cotisations.domain.payments.refusals import PaymentNotOffered

WINDOW = timedelta(weeks=3)


class PayableKind(StrEnum):
    CURRENT = "current"
    DEBT = "debt"
    PLAN_INSTALMENT = "plan_instalment"


ON_DIRECT_DEBIT = (
    "Vous avez opté pour le prélèvement automatique : vous n'êtes pas éligible au "
    "télépaiement pour le paiement de vos cotisations courantes."
)
PAST_DUE = (
    "L'échéance est dépassée : vous devez désormais régler vos cotisations par chèque ou "
    "virement bancaire."
)


def not_open_yet(opens_on: date) -> str:
    return (
        "Le télépaiement de cette échéance n'est pas encore ouvert : vous devez attendre "
        f"l'ouverture du service, à l'édition des avis d'appels, le {day(opens_on)}, pour "
        "réaliser votre télépaiement."
    )


@dataclass(frozen=True)
class Offer:
    """Whether « Payer » is offered; when not, ``code`` and the FAQ's ``reason``."""

    payable: bool
    code: str | None = None
    reason: str | None = None
    opens_on: date | None = None

    def require(self) -> None:
        """Refuse, with the reason, a payment of an amount not offered."""
        if not self.payable:
            raise PaymentNotOffered(self.reason or "", self.code or "", self.opens_on)


def window_opens_on(due_date: date) -> date:
    return due_date - WINDOW


def offer(
    kind: PayableKind, due_date: date, today: date, *, on_direct_debit: bool, departement: str
) -> Offer:
    """« Payer » next to an amount of ``kind`` due on ``due_date`` (moved to the working day
    it falls due on), as seen ``today``."""
    if kind is not PayableKind.CURRENT:
        return Offer(payable=True)
    if on_direct_debit:
        return Offer(payable=False, code="direct-debit", reason=ON_DIRECT_DEBIT)
    due = next_working_day(due_date, departement)
    opens = window_opens_on(due)
    if today < opens:
        return Offer(payable=False, code="not-open-yet", reason=not_open_yet(opens), opens_on=opens)
    if today > due:
        return Offer(payable=False, code="past-due", reason=PAST_DUE)
    return Offer(payable=True)


@dataclass(frozen=True)
class Payable:
    """An amount the account shows, with its reference (``instalment:2026-05-05``,
    ``debt:…``, ``plan:…:3``)."""

    reference: str
    kind: PayableKind
    due_date: date
    amount: Decimal
