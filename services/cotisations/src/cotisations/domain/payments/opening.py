"""The balance carried from the former books, once per account (docs/rules.md §9).

The ledger calls the instalments due from the day it took an account over; what the account
owed (or had in credit) in the books it replaced is posted once, by an agent, as an
``opening`` entry: owed, a debt due on the day the former books said (« Payer » offers it, a
payment-delay plan may reschedule it, overdue once its day has passed); in credit, an amount on
account that pays the oldest obligations first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cotisations.domain.payments.ledger import Entry, debt_ref

KEY = "opening"
OBLIGATION = debt_ref("opening")
ORIGIN = "Solde repris des comptes antérieurs"


def opening_entry(amount: Decimal, due_date: date, reference: str, booked_on: date) -> Entry:
    """``amount``: positive owed, negative in credit, to the cent, never zero (the entrypoint
    checks it); ``reference``: the former books' one."""
    return Entry(
        key=KEY,
        kind="opening",
        amount=amount,
        booked_on=booked_on,
        value_date=due_date,
        obligation=OBLIGATION if amount > 0 else None,
        external_reference=reference,
    )
