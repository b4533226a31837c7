"""What the account calls, as ledger entries: each instalment once it falls due, and each
regularisation debt once due. The account keeps its échéancier (revised as incomes change);
the ledger records a call the day it falls due, so a revision never rewrites a call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cotisations.domain.account import ContributionAccount
from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.payments.ledger import Entry, Ledger, call_entry, debt_ref
from cotisations.domain.schedule import Instalment


def instalments_of(account: ContributionAccount, years: Iterable[int]) -> list[Instalment]:
    """The instalments of the years the rules cover (a year they do not is skipped)."""
    out: list[Instalment] = []
    for year in years:
        if year < account.opened_on.year:
            continue
        try:
            out.extend(account.schedule(year))
        except ComputationInputInvalid:
            continue
    return out


def ledger_start(account: ContributionAccount, opens_on: date) -> date:
    """The first day the ledger calls for this account: the ledger's opening day, or the day
    the account was taken over when later."""
    return max(opens_on, account.ledger_from or opens_on)


def calls_of(account: ContributionAccount, on: date, since: date) -> list[Entry]:
    """Every call due from ``since`` (the day the ledger opened: what fell due before was
    settled in the books it replaced) to ``on``: the instalments (this year and last) and the
    regularisation debts. An account taken over later than ``since`` counts from that day."""
    since = ledger_start(account, since)
    calls = [
        call_entry(i.due_date, i.amount, i.due_date)
        for i in instalments_of(account, range(max(on.year - 1, since.year), on.year + 1))
        if since <= i.due_date <= on and i.amount > 0
    ]
    for r in account.regularisations:
        if r.outcome == "debt" and r.due_date is not None and since <= r.due_date <= on:
            origin = f"regularisation:{r.year}"
            calls.append(
                Entry(
                    key=f"call:{origin}",
                    kind="call",
                    amount=r.balance,
                    booked_on=r.declared_on,
                    value_date=r.due_date,
                    obligation=debt_ref(origin),
                )
            )
    return calls


def missing_calls(
    account: ContributionAccount, ledger: Ledger, on: date, since: date
) -> list[Entry]:
    return [c for c in calls_of(account, on, since) if ledger.get(c.key) is None]


def with_calls(account: ContributionAccount, ledger: Ledger, on: date, since: date) -> list[Entry]:
    """The ledger's entries and the calls due it does not hold yet (a read writes nothing)."""
    return [*ledger.entries, *missing_calls(account, ledger, on, since)]
