"""Benchmark of the workers' scaling on PostgreSQL: the import of N clients to their N key
letters (``bench/import.py``) and N key entries to the firm reading each client's account
(``bench/access.py``), each with one copy of every worker, then with two copies of every worker
in its consumer group, in one run; the figures and the ratios of two copies to one (letters a
second; key entries a second achieved at an offered rate above what one copy sustains). One
JSON line.

On a machine of few cores the whole platform (six apis, six workers, Kafka, PostgreSQL, the
load generator) shares them: a second copy can only use a core the first left idle, so the
ratio says how much of the bottleneck worker's wait was its own and how much the machine's
(``cpu_busy_cores`` of each run says how busy the platform's processes kept the cores,
``machine_busy_cores`` how busy the whole machine was, PostgreSQL's backends and the load
generator included, ``postgres_busy_cores`` PostgreSQL's share, and
``machine_cpu_ms_per_item`` what one letter or key entry cost the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

importer = importlib.import_module("import")
access = importlib.import_module("access")


def _outside(runs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """What the platform's processes leave out, per run: the whole machine's busy cores,
    PostgreSQL's, and the machine's CPU per letter or key entry."""
    names = ("machine_busy_cores", "postgres_busy_cores", "machine_cpu_ms_per_item")
    return {name: [r[name] for r in runs] for name in names}


async def run(rows: int, activations: int, rate: float) -> dict[str, Any]:
    imports = [await importer.run(rows, 0, "postgres", copies) for copies in (1, 2)]
    entries = [
        await access.run(activations, rate, 100.0, None, "postgres", copies) for copies in (1, 2)
    ]
    return {
        "bench": "scaling",
        "db": "postgres",
        "import": {
            "letters_per_s": [r["letters_per_s"] for r in imports],
            "letters_s": [r["letters_s"] for r in imports],
            "cpu_busy_cores": [r["cpu_busy_cores"] for r in imports],
            **_outside(imports),
            "ratio_two_copies_to_one": round(
                float(imports[1]["letters_per_s"]) / float(imports[0]["letters_per_s"]), 2
            ),
        },
        "access": {
            "offered_per_s": rate,
            "activations_per_s": [r["activations_per_s"] for r in entries],
            "lag_p50_ms": [r["lag_p50_ms"] for r in entries],
            "lag_p99_ms": [r["lag_p99_ms"] for r in entries],
            "cpu_busy_cores": [r["cpu_busy_cores"] for r in entries],
            **_outside(entries),
            "ratio_two_copies_to_one": round(
                float(entries[1]["activations_per_s"]) / float(entries[0]["activations_per_s"]),
                2,
            ),
        },
        "cpu_s": {"import": [r["cpu_s"] for r in imports], "access": [r["cpu_s"] for r in entries]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000, help="clients imported")
    parser.add_argument("--activations", type=int, default=1_000, help="key entries")
    parser.add_argument("--rate", type=float, default=100.0, help="key entries offered a second")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows, args.activations, args.rate))))


if __name__ == "__main__":
    main()
