"""Helpers shared by mandates' SQL repositories."""

from __future__ import annotations

from collections.abc import Collection, Iterator


def chunks(values: Collection[str], size: int = 500) -> Iterator[list[str]]:
    """``IN`` lists of a size every backend takes."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
