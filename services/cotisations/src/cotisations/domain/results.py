"""The result of a computation: its lines (rounded as the rules say), total, rates, details."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Computation:
    kind: str
    year: int
    lines: dict[str, Decimal]
    rates: dict[str, Decimal]
    pass_: Decimal
    details: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        """The sum of the already-rounded lines."""
        return sum(self.lines.values(), Decimal(0))
