"""The bank's returns on SEPA direct debits, version 1.

``bank.sepa_returns`` (keyed by the debit's end-to-end id) is published by the bank (in
development, by ``python -m cotisations.bank``): each debit of a pain.008 file is answered
once, settled or rejected with its SEPA reason code; the feed may be replayed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from contracts.base import EventPayload

SEPA_RETURNS = "bank.sepa_returns"


class SepaReturnV1(EventPayload):
    """The bank's answer on one debit."""

    event_type = "bank.sepa_returns.return_recorded.v1"
    topic = SEPA_RETURNS

    end_to_end_id: str = Field(min_length=1, max_length=35)
    message_id: str = Field(description="The pain.008 file's message id.", max_length=35)
    rum: str = Field(max_length=35)
    amount: str = Field(pattern=r"^[0-9]+\.[0-9]{2}$")
    outcome: Literal["settled", "rejected"]
    reason_code: str | None = Field(
        default=None, pattern=r"^[A-Z0-9]{4}$", description="AM04, AC04, MD01… when rejected"
    )
    returned_on: date
