"""« Payer » over several bank accounts: a telepayment may be split over 3 accounts at most
(seed 002, fiche 7). The form's rows as typed, read into the parts cotisations takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.domain.wording import typed_amount

ROWS = 3
"""The accounts one payment may be split over."""


@dataclass(frozen=True)
class Split:
    parts: list[dict[str, str]] = field(default_factory=list)
    """``[{iban, amount}]`` as cotisations reads them; empty: the whole amount from the
    account of the telepayment adhesion."""
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def split_of(form: Mapping[str, object]) -> Split:
    """The rows ``compte_N``/``montant_N`` (N = 1 to 3) a person filled in; a row half filled,
    or an amount that is not one, is said at its field."""
    typed = {
        f"{name}_{n}": str(form.get(f"{name}_{n}") or "").strip()
        for n in range(1, ROWS + 1)
        for name in ("compte", "montant")
    }
    parts: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    for n in range(1, ROWS + 1):
        iban, amount = typed[f"compte_{n}"], typed[f"montant_{n}"]
        if not iban and not amount:
            continue
        if not iban:
            errors[f"compte_{n}"] = "Saisissez l'IBAN du compte à débiter pour ce montant."
            continue
        read = typed_amount(amount)
        if read is None or read.startswith("-") or read == "0.00":
            errors[f"montant_{n}"] = "Saisissez un montant en euros, par exemple 57,37."
            continue
        parts.append({"iban": iban, "amount": read})
    return Split(parts if not errors else [], typed, errors)
