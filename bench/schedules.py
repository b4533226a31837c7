"""Benchmark of the computation engine: contributions and échéancier of 10,000 and then 100,000
synthetic accounts (mixed categories, deterministic incomes). The baseline is the 10,000 run
of the same process: the 100,000/10,000 time ratio should stay near 10 (linear).

Prints one JSON line.
"""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

from cotisations.domain.independant import compute_independant
from cotisations.domain.micro import compute_micro
from cotisations.domain.schedule import echeancier

DEPARTEMENTS = ("75", "69", "13", "57", "67", "33", "2A", "974")


def one_account(rng: random.Random) -> None:
    year = rng.choice((2025, 2026))
    if rng.random() < 0.35:
        result = compute_micro(
            year,
            rng.choice(("vente", "services_bic", "bnc")),
            Decimal(rng.randint(0, 150_000)),
            acre=rng.random() < 0.1,
        )
    else:
        result = compute_independant(
            year,
            rng.choice(("artisan", "commercant", "liberal")),
            Decimal(rng.randint(-5_000, 300_000)) + Decimal(rng.randint(0, 99)) / 100,
            acre=rng.random() < 0.1,
        )
    periodicity = "monthly" if rng.random() < 0.7 else "quarterly"
    echeancier(year, result.total, periodicity, rng.choice((5, 20)), rng.choice(DEPARTEMENTS))


def run(n: int) -> float:
    rng = random.Random(n)
    started = time.perf_counter()
    for _ in range(n):
        one_account(rng)
    return time.perf_counter() - started


def main() -> None:
    run(2_000)  # warm the holiday calendars and the interpreter before measuring
    small, large = run(10_000), run(100_000)
    print(
        json.dumps(
            {
                "bench": "schedules",
                "accounts_10k_per_s": round(10_000 / small, 1),
                "accounts_100k_per_s": round(100_000 / large, 1),
                "time_ratio_100k_10k": round(large / small, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
