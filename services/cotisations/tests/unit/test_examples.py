"""The worked examples of docs/rules.md, to the cent, through the command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cotisations.calc.__main__ import run
from cotisations.domain.independant import (
    compute_first_year_forfait,
    compute_independant,
    quarters_validated,
)

DATA = Path(__file__).resolve().parents[1] / "data"
INPUTS = [json.loads(line) for line in (DATA / "examples_input.jsonl").read_text().splitlines()]
EXPECTED = {
    item["id"]: item
    for item in (
        json.loads(line) for line in (DATA / "examples_expected.jsonl").read_text().splitlines()
    )
}


def _run(lines: list[str]) -> list[dict[str, object]]:
    out = io.StringIO()
    run(io.StringIO("\n".join(lines) + "\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("request_", INPUTS, ids=lambda r: r["id"])
def test_each_worked_example_is_reproduced_to_the_cent(request_: dict[str, object]) -> None:
    [got] = _run([json.dumps(request_)])
    expected = EXPECTED[str(request_["id"])]
    for field in ("id", "kind", "year", "total", "lines", "rates", "pass", "details"):
        assert got[field] == expected[field], field


def test_the_command_line_module_answers_one_line_per_input_and_errors_in_line() -> None:
    lines = [json.dumps(r) for r in INPUTS] + ["{not json", '{"id": "x", "kind": "micro"}']
    proc = subprocess.run(
        [sys.executable, "-m", "cotisations.calc"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [a["id"] for a in answers] == [r["id"] for r in INPUTS] + [None, "x"]
    assert "error" in answers[-2]
    assert "activity" in answers[-1]["error"]


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "y", "kind": "independant", "activity": "artisan", "year": 2019, "income": 1},
        {"id": "a", "kind": "independant", "activity": "boulanger", "year": 2026, "income": 1},
        {"id": "i", "kind": "independant", "activity": "artisan", "year": 2026},
        {"id": "n", "kind": "micro", "activity": "vente", "year": 2026, "turnover": "abc"},
        {"id": "k", "kind": "salarie", "activity": "vente", "year": 2026},
        {
            "id": "t",
            "kind": "micro",
            "activity": "vente",
            "nature": "x",
            "year": 2026,
            "turnover": 1,
        },
    ],
)
def test_a_bad_input_gets_an_error_line_in_french(bad: dict[str, object]) -> None:
    [answer] = _run([json.dumps(bad)])
    assert answer["id"] == bad["id"]
    assert isinstance(answer["error"], str)
    assert "total" not in answer


def test_an_unreadable_line_is_said_in_french_not_in_the_json_parsers_english() -> None:
    [answer] = _run(["{not json"])
    assert answer == {
        "id": None,
        "error": "Ligne illisible (colonne 2) : un objet JSON par ligne est attendu.",
    }


def test_minimum_contributions_at_zero_income_2026_artisan() -> None:
    assert compute_independant(2026, "artisan", Decimal(0)).total == 1377


@pytest.mark.parametrize(
    ("year", "acre", "total"),
    [(2026, False, 3500), (2026, True, 3041), (2025, False, 3430), (2025, True, 1632)],
)
def test_first_year_forfait(year: int, acre: bool, total: int) -> None:
    assert compute_first_year_forfait(year, "artisan", acre=acre).total == total


@pytest.mark.parametrize(
    ("year", "income", "quarters"),
    [
        (2026, 0, 3),
        (2025, -500, 3),
        (2026, 5409, 3),
        (2026, 7211, 3),
        (2026, 7212, 4),
        (2025, 5345, 3),
    ],
)
def test_quarters_validated_by_a_years_income(year: int, income: int, quarters: int) -> None:
    assert quarters_validated(year, Decimal(income)) == quarters


def test_quarter_thresholds_follow_150_smic_hours() -> None:
    # 2026: 150 × 12.02 = 1 803 € a quarter; the minimum assiette (5 409) validates 3.
    assert quarters_validated(2026, Decimal(4 * 1803 - 1)) == 3
    assert quarters_validated(2026, Decimal(4 * 1803)) == 4
