"""What a person sends cotisations — a year, an amount, a period, a choice — read as they write
it, and refused with a French sentence that names the field as they know it (« L'année… »,
« Le revenu estimé… »), never with pydantic's words.

Which years, periods or changes the account allows is the domain's to say (with its dates);
these types only refuse what cannot be a year, an amount or a period at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from servicekit.french import euros

_YEAR = re.compile(r"[0-9]{4}")
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_TYPED_MONTH = re.compile(r"(0?[1-9]|1[0-2])[/.\- ]([0-9]{4})")  # 03/2026
_TYPED_QUARTER = re.compile(r"[Tt]([1-4])[/.\- ]([0-9]{4})")  # T1 2026, T1/2026
CENT = Decimal("0.01")


def _year(value: Any) -> Any:
    """2026 or "2026"; four digits."""
    if isinstance(value, str) and _YEAR.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    raise ValueError("L'année s'écrit avec quatre chiffres, par exemple 2026.")


Year = Annotated[int, BeforeValidator(_year)]


def amount(label: str, minimum: Decimal, maximum: Decimal, example: str) -> Callable[[Any], Any]:
    """Reads an amount in euros, to the cent: a decimal string (``"42000.00"``) or a JSON
    number, between ``minimum`` and ``maximum``; ``label`` names it in the refusals."""
    written = f"{label} s'écrit en euros, avec au plus deux décimales, par exemple {example}."

    def read(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValueError(written)  # noqa: TRY004 - pydantic answers a ValueError only
        text = value.strip() if isinstance(value, str) else str(value)
        if not _AMOUNT.fullmatch(text):
            raise ValueError(written)
        try:
            parsed = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise ValueError(written) from None
        if not minimum <= parsed <= maximum:
            if minimum == 0 and parsed < 0:
                raise ValueError(f"{label} ne peut pas être négatif.")
            raise ValueError(
                f"{label} doit être compris entre {euros(minimum)} et {euros(maximum)}."
            )
        if parsed != parsed.quantize(CENT):
            raise ValueError(written)
        return (parsed + 0).quantize(CENT)  # + 0: never a negative zero

    return read


def _period(value: Any) -> Any:
    """``2026-03`` or ``2026-T1``, as written; ``03/2026`` and ``T1 2026`` are read too."""
    if not isinstance(value, str) or len(value) > 20:
        raise ValueError(
            "La période s'écrit AAAA-MM pour un mois ou AAAA-TN pour un trimestre, par exemple "
            "2026-03 ou 2026-T1."
        )
    text = value.strip()
    if month := _TYPED_MONTH.fullmatch(text):
        return f"{month[2]}-{int(month[1]):02d}"
    if quarter := _TYPED_QUARTER.fullmatch(text):
        return f"{quarter[2]}-T{quarter[1]}"
    return text


Period = Annotated[str, BeforeValidator(_period)]


def choice(message: str, *allowed: Any) -> Callable[[Any], Any]:
    """One of ``allowed`` (a digit string is read as its number), else ``message``."""

    def read(value: Any) -> Any:
        if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
            value = int(value)
        if isinstance(value, bool) or value not in allowed:
            raise ValueError(message)
        return value

    return read


Periodicity = Annotated[
    Literal["monthly", "quarterly"],
    BeforeValidator(
        choice(
            "La périodicité est « monthly » (mensuelle) ou « quarterly » (trimestrielle).",
            "monthly",
            "quarterly",
        )
    ),
]
DebitDay = Annotated[
    Literal[5, 20],
    BeforeValidator(choice("Le jour de prélèvement est le 5 ou le 20 du mois.", 5, 20)),
]
