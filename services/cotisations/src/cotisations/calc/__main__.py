"""Reads JSON lines (one computation request each) on stdin and writes one JSON line per
input: ``id``, ``kind``, ``year``, ``total``, ``lines``, ``rates``, ``pass``, ``details``, or
``{"id": …, "error": …}`` for a bad input. Numbers are whole when they are whole (18741),
decimals otherwise (5136.03)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any, TextIO

from cotisations.domain.compute import compute
from cotisations.domain.errors import ComputationInputInvalid


def number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


def jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def answer(line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        # not json's own words (« Expecting property name… »): the reader's are French
        unreadable = f"Ligne illisible (colonne {exc.colno}) : un objet JSON par ligne est attendu."
        return {"id": None, "error": unreadable}
    if not isinstance(request, dict):
        return {"id": None, "error": "Chaque ligne doit être un objet JSON."}
    try:
        result = compute(request)
    except ComputationInputInvalid as exc:
        return {"id": request.get("id"), "error": exc.message}
    return {
        "id": request.get("id"),
        "kind": result.kind,
        "year": result.year,
        "total": number(result.total),
        "lines": jsonable(result.lines),
        "rates": jsonable(result.rates),
        "pass": number(result.pass_),
        "details": jsonable(result.details),
    }


def run(stdin: TextIO, stdout: TextIO) -> None:
    for line in stdin:
        if line.strip():
            stdout.write(json.dumps(answer(line), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    run(sys.stdin, sys.stdout)
