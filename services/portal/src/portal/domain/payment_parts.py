"""« Payer » over several bank accounts: a telepayment may be split over 3 accounts at most
(seed 002, fiche 7). The form's rows as typed, read into the parts cotisations takes, and
the « Montant à payer » when the person pays less than the whole amount offered."""

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
    amount: str | None = None
    """« Montant à payer » (``montant``) as cotisations reads it; ``None``: the whole amount
    offered."""

    def body(self, reference: str) -> dict[str, object]:
        """What cotisations' preview and payment take: ``amount`` only when one was typed."""
        sent: dict[str, object] = {"reference": reference, "parts": self.parts}
        if self.amount is not None:
            sent["amount"] = self.amount
        return sent

    def refused(self, errors: dict[str, str]) -> Split:
        """The same rows, with cotisations' refusals at their fields."""
        return Split(self.parts, self.typed, {**self.errors, **errors}, self.amount)


_NOT_AN_AMOUNT = "Saisissez un montant en euros, par exemple 57,37."


def _positive(typed: str) -> str | None:
    read = typed_amount(typed)
    if read is None or read.startswith("-") or read == "0.00":
        return None
    return read


def split_of(form: Mapping[str, object]) -> Split:
    """The rows ``compte_N``/``montant_N`` (N = 1 to 3) a person filled in, and the optional
    ``montant`` to pay; a row half filled, or an amount that is not one, is said at its
    field."""
    typed = {
        f"{name}_{n}": str(form.get(f"{name}_{n}") or "").strip()
        for n in range(1, ROWS + 1)
        for name in ("compte", "montant")
    }
    typed["montant"] = str(form.get("montant") or "").strip()
    parts: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    paid = _positive(typed["montant"]) if typed["montant"] else None
    if typed["montant"] and paid is None:
        errors["montant"] = _NOT_AN_AMOUNT
    for n in range(1, ROWS + 1):
        iban, amount = typed[f"compte_{n}"], typed[f"montant_{n}"]
        if not iban and not amount:
            continue
        if not iban:
            errors[f"compte_{n}"] = "Saisissez l'IBAN du compte à débiter pour ce montant."
            continue
        read = _positive(amount)
        if read is None:
            errors[f"montant_{n}"] = _NOT_AN_AMOUNT
            continue
        parts.append({"iban": iban, "amount": read})
    return Split(parts if not errors else [], typed, errors, paid)


PARTS_FIELD = "repartition"
"""The group of rows, where a refusal of the parts as a whole (their sum, their number) is
said."""


def _typed_rows(typed: Mapping[str, str]) -> list[int]:
    """The rows a person filled in, in order: the parts sent, one per row."""
    return [n for n in range(1, ROWS + 1) if typed.get(f"compte_{n}") or typed.get(f"montant_{n}")]


def refusals_at_rows(problem_errors: object, typed: Mapping[str, str]) -> dict[str, str]:
    """cotisations' refusals of the parts (its problem's ``errors``) at the form's fields: an
    amount or an IBAN at its row (``parts.N.amount``; an IBAN refused names the number as it
    was typed), the parts as a whole (their sum against what is owed, their number, the same
    account twice) at the group of rows."""
    rows = _typed_rows(typed)
    found: dict[str, str] = {}
    for error in problem_errors if isinstance(problem_errors, list) else []:
        if not isinstance(error, dict) or not error.get("message"):
            continue
        message = str(error["message"])
        path = str(error.get("field") or "").split(".")
        key = PARTS_FIELD
        if path[0] == "parts" and len(path) >= 3 and path[1].isdigit():
            index = int(path[1])
            if index < len(rows):
                key = f"{'compte' if path[2] == 'iban' else 'montant'}_{rows[index]}"
        elif path[0] == "iban":
            named = [n for n in rows if f"« {typed.get(f'compte_{n}', '')} »" in message]
            key = f"compte_{(named or rows or [1])[0]}"
        found.setdefault(key, message)
    return found
