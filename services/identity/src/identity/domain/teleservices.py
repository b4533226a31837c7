"""Which téléservices each category of assuré may open (SPEC.md 1.1, seed 002).

Santé is held by the health-insurance systems: it is listed as a link-out, never served here.
A cabinet acting under a mandate reaches données personnelles (read), cotisations and
attestations — never santé nor relevé de carrière.
"""

from __future__ import annotations

from dataclasses import dataclass

DONNEES, COTISATIONS, CARRIERE, SANTE, ATTESTATIONS = (
    "donnees_personnelles", "cotisations", "releve_de_carriere", "sante", "attestations",
)  # fmt: skip
SANTE_URL = "https://www.ameli.fr/"

ACCESS: dict[str, frozenset[str]] = {
    "artisan": frozenset({DONNEES, COTISATIONS, CARRIERE, SANTE, ATTESTATIONS}),
    "commercant": frozenset({DONNEES, COTISATIONS, CARRIERE, SANTE, ATTESTATIONS}),
    "micro_entrepreneur": frozenset({DONNEES, COTISATIONS, CARRIERE, SANTE, ATTESTATIONS}),
    "profession_liberale": frozenset({SANTE}),
    "retraite": frozenset({DONNEES, SANTE, ATTESTATIONS}),
    "ayant_droit": frozenset({SANTE}),
}
DELEGABLE = frozenset({DONNEES, COTISATIONS, ATTESTATIONS})
ORDER = (DONNEES, COTISATIONS, CARRIERE, SANTE, ATTESTATIONS)
LABELS = {
    DONNEES: "Mes données personnelles",
    COTISATIONS: "Mes cotisations",
    CARRIERE: "Mon relevé de carrière",
    SANTE: "Ma santé",
    ATTESTATIONS: "Mes attestations",
}


@dataclass(frozen=True)
class Teleservice:
    code: str
    label: str
    link_out: str | None = None


def opens(category: str | None, code: str, *, delegated: bool = False) -> bool:
    """Whether an affilié of ``category`` may open ``code``. A firm acting for the affilié
    (``delegated``) sees what the affilié could see, within what can be delegated."""
    allowed = ACCESS.get(category or "", frozenset())
    return code in allowed and (not delegated or code in DELEGABLE)


def teleservices_for(category: str) -> list[Teleservice]:
    allowed = ACCESS.get(category, frozenset())
    return [
        Teleservice(code, LABELS[code], SANTE_URL if code == SANTE else None)
        for code in ORDER
        if code in allowed
    ]


def departement_of(postal_code: str) -> str:
    """The département of a French postal code (Corsica 2A/2B, overseas on three digits)."""
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if int(postal_code) < 20200 else "2B"
    return postal_code[:2]
