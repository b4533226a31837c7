"""Who may open the « attestations » téléservice, by category of the affilié.

artisans, commerçants, micro-entrepreneurs and retraités may; professions libérales and ayants
droit may not (their certificates come from other bodies). A firm user reaches a client's
certificates through an active mandate, the ``read`` right and a subscribed portfolio
(the delegation package decides that part).
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["vigilance", "paiement", "affiliation", "radiation", "fiscale"]
KINDS: tuple[Kind, ...] = ("vigilance", "paiement", "affiliation", "radiation", "fiscale")

OPEN_TO = frozenset({"artisan", "commercant", "micro_entrepreneur", "retraite"})
CONTRIBUTING = frozenset({"artisan", "commercant", "micro_entrepreneur"})

KIND_LABELS: dict[str, str] = {
    "vigilance": "Attestation de vigilance",
    "paiement": "Attestation de paiement des cotisations",
    "affiliation": "Attestation d'affiliation",
    "radiation": "Attestation de radiation",
    "fiscale": "Attestation fiscale des pensions versées",
}


def may_open(category: str) -> bool:
    return category in OPEN_TO


def kind_applies(kind: str, category: str) -> bool:
    """Vigilance and payment certificates speak of contributions: not for a pensioner; the
    fiscal certificate speaks of pensions: for a pensioner only."""
    if kind in ("vigilance", "paiement"):
        return category in CONTRIBUTING
    if kind == "fiscale":
        return category == "retraite"
    return True
