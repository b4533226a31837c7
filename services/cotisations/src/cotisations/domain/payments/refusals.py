"""Refusals of the telepayment and payment-plan rules, each with its French message.

A refusal of what the caller sent is a ``ComputationInputInvalid`` (422, naming the field); a
request that the state of the account or of a plan no longer allows is a ``PaymentConflict``
(409)."""

from __future__ import annotations

from datetime import date

from cotisations.domain.errors import ComputationInputInvalid, CotisationsError


class PaymentInputInvalid(ComputationInputInvalid):
    """What is asked of a payment or a plan breaks one of its rules (422)."""


class PaymentNotOffered(PaymentInputInvalid):
    """« Payer » is not offered for this amount today: ``code`` names which of the three
    cases of the FAQ (``direct-debit``, ``not-open-yet``, ``past-due``); ``opens_on`` when the
    window has not opened yet."""

    def __init__(self, message: str, code: str, opens_on: date | None = None) -> None:
        super().__init__(message, field="payable")
        self.code = code
        self.opens_on = opens_on


class PaymentConflict(CotisationsError):
    """The account or the plan is no longer in a state that allows what is asked (409)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class ConcurrentRequest(PaymentConflict):
    """The same payment or plan was written by another request at the same instant: the
    database's uniqueness kept the second out (409, nothing of it written)."""

    def __init__(self) -> None:
        super().__init__(
            "Une demande identique vient d'être enregistrée pour ce compte : "
            "consultez vos paiements avant de recommencer.",
            code="concurrent-request",
        )


class PaymentItemNotFound(CotisationsError):
    """A telepayment or a plan this account does not have (404)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class AgentOnly(CotisationsError):
    """A back-office decision: an agent's alone (403)."""

    def __init__(self) -> None:
        super().__init__(
            "Seul un agent de l'organisme peut accorder ou refuser un délai de paiement."
        )
