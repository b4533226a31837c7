"""A micro-entrepreneur's turnover declarations due and not received: what attestations reads
to refuse an attestation de vigilance."""

from __future__ import annotations

from datetime import date

import pytest
from cotisations.domain.declarations import missing_periods

SINCE = date(2026, 1, 2)  # the day the ledger took the account over


OLD = date(2020, 1, 1)  # an affilié of long standing
DEC = ["2025-12"]  # due on 2 February 2026: after the ledger took over, declared here
T4 = ["2025-T4"]


@pytest.mark.parametrize(
    ("periodicity", "declared", "opened_on", "closed_on", "today", "missing"),
    [
        # December 2025's deadline (31 January, a Saturday) moves to Monday 2 February
        ("monthly", [], OLD, None, date(2026, 2, 2), []),
        ("monthly", [], OLD, None, date(2026, 2, 3), ["2025-12"]),
        # January's (28 February, a Saturday) to Monday 2 March
        ("monthly", DEC, OLD, None, date(2026, 3, 2), []),
        ("monthly", DEC, OLD, None, date(2026, 3, 3), ["2026-01"]),
        ("monthly", [*DEC, "2026-01"], OLD, None, date(2026, 4, 1), ["2026-02"]),
        ("monthly", [*DEC, "2026-01", "2026-02"], OLD, None, date(2026, 4, 1), []),
        # November 2025 fell due on 31 December 2025, in the former books
        ("monthly", DEC, date(2025, 11, 1), None, date(2026, 2, 3), []),
        ("quarterly", T4, OLD, None, date(2026, 4, 30), []),
        ("quarterly", T4, OLD, None, date(2026, 5, 1), ["2026-T1"]),
        # declared month by month, then quarterly: the quarter is declared, not twice
        ("quarterly", [*T4, "2026-01", "2026-02", "2026-03"], OLD, None, date(2026, 5, 2), []),
        ("quarterly", [*T4, "2026-01", "2026-02"], OLD, None, date(2026, 5, 2), ["2026-T1"]),
        ("monthly", [*DEC, "2026-T1"], OLD, None, date(2026, 5, 2), []),
        # opened in February: January is not its own
        ("monthly", [], date(2026, 2, 15), None, date(2026, 4, 1), ["2026-02"]),
        # closed in February: nothing after February
        ("monthly", DEC, OLD, date(2026, 2, 10), date(2026, 6, 1), ["2026-01", "2026-02"]),
        # the year turns: December's deadline is 31 January
        (
            "monthly",
            [*DEC, *(f"2026-{m:02d}" for m in range(1, 11))],
            OLD,
            None,
            date(2027, 1, 4),
            ["2026-11"],
        ),
    ],
)
def test_the_periods_due_and_not_declared(
    periodicity: str,
    declared: list[str],
    opened_on: date,
    closed_on: date | None,
    today: date,
    missing: list[str],
) -> None:
    got = missing_periods(
        periodicity,
        declared,
        opened_on=opened_on,
        closed_on=closed_on,
        since=SINCE,
        today=today,
        departement="75",
    )
    assert got == missing
