"""Benchmark of the debit day: 10,000 and then 100,000 accounts on monthly direct debit, all due
the same day, each run writing the day's pain.008 file to the bank folder and posting every
debit (its call and its pending payment) to the ledger, with one ``payment_recorded`` event per
debit in the outbox — one transaction per run, on a SQLite database of its own.

The accounts (70 % with an income of their own, each different, so each échéancier is
computed; 30 % at the minimum contributions) and their mandates are written before the clock
starts. Prints one JSON line: the
time of each run, the 100,000/10,000 ratio (goal: 100,000 in 20 s or less, ratio 11 or less),
the file's size, and the process's peak memory.
"""

from __future__ import annotations

import asyncio
import json
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cotisations.adapters import orm
from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.domain.payments import commands
from cotisations.service_layer.payments import DebitRun
from servicekit.clock import FakeClock
from sqlalchemy import func, insert, select

DEBIT_DAY = date(2026, 5, 5)
"""Every account is monthly on the 5th in Paris: all due that Tuesday."""
IBANS = ("FR7630006000011234567890189", "FR7630004000031234567890143")
BICS = ("AGRIFRPPXXX", "BNPAFRPP")


Rows = list[dict[str, Any]]


def _rows(n: int) -> tuple[Rows, Rows, Rows]:
    accounts: Rows = []
    incomes: Rows = []
    mandates: Rows = []
    for i in range(n):
        affiliate_id = f"aff-{i:07d}"
        accounts.append(
            {
                "affiliate_id": affiliate_id,
                "category": ("artisan", "commercant")[i % 2],
                "departement": "75",
                "opened_on": date(2020, 1, 1),
                "closed_on": None,
                "periodicity": "monthly",
                "debit_day": 5,
                "payment_mode": "prelevement",
                "last_estimate_on": None,
                "holder_name": f"Jean Dupont {i}",
                "debit_day_changed_on": None,
            }
        )
        if i % 10 >= 3:  # 70 % with an income of their own, 30 % at the minimum contributions
            income = Decimal(20_000 + i) + Decimal(i % 100) / 100
            incomes.append(
                {"affiliate_id": affiliate_id, "year": 2026, "amount": income, "kind": "estimate"}
            )
        mandates.append(
            {
                "rum": f"RUM-{i:07d}-001",
                "affiliate_id": affiliate_id,
                "holder": f"Jean Dupont {i}",
                "iban": IBANS[i % 2],
                "bic": BICS[i % 2],
                "signed_on": date(2026, 3, 1),
                "creditor_id": "FR72ZZZ123456",
                "effective_from": date(2026, 4, 7),
                "ends_on": None,
                "sequence": 1,
            }
        )
    return accounts, incomes, mandates


async def run(n: int, folder: Path) -> dict[str, Any]:
    clock = FakeClock(datetime(2026, 5, 5, 6, tzinfo=UTC))
    settings = CotisationsSettings(
        database_url=f"sqlite+aiosqlite:///{folder}/cotisations-{n}.db",
        bank_files_dir=str(folder / f"bank-{n}"),
        ledger_opens_on=DEBIT_DAY,  # the months before were called (and debited) already
    )
    app = bootstrap(settings, clock=clock)
    await app.migrate()
    accounts, incomes, mandates = _rows(n)
    async with app.engine.begin() as conn:
        for table, rows in (
            (orm.accounts, accounts),
            (orm.incomes, incomes),
            (orm.direct_debit_mandates, mandates),
        ):
            for start in range(0, len(rows), 10_000):
                await conn.execute(insert(table), rows[start : start + 10_000])
    started = time.perf_counter()
    result: DebitRun = await app.bus.handle(commands.RunDebitDay(DEBIT_DAY))
    elapsed = time.perf_counter() - started
    async with app.engine.connect() as conn:
        entries = (
            await conn.execute(select(func.count()).select_from(orm.ledger_entries))
        ).scalar_one()
    await app.stop()
    assert result.transactions == n, result
    assert entries == 2 * n, entries  # the call and its debit
    assert result.file_name is not None
    size = (folder / f"bank-{n}" / result.file_name).stat().st_size
    return {"seconds": elapsed, "file_mb": size / 1_000_000, "total": str(result.total)}


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = await run(10_000, folder)
        large = await run(100_000, folder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "bench": "debits",
                "debits_10k_s": round(small["seconds"], 2),
                "debits_100k_s": round(large["seconds"], 2),
                "time_ratio_100k_10k": round(large["seconds"] / small["seconds"], 2),
                "file_100k_mb": round(large["file_mb"], 1),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
