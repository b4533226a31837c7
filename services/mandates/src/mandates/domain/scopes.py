"""What a mandate lets the firm reach, and how the assuré reads a mandate's history
(SPEC.md 2 "What a firm may open for a client", 3.3).

A firm with the client's active mandate opens the client's données personnelles (read only),
cotisations (within each firm user's rights: consultation, déclarations, paiements) and
attestations; never santé nor the relevé de carrière. The same for every mandate: the firm
holds these scopes while the mandate is active, and no other.
"""

from __future__ import annotations

from dataclasses import dataclass

from mandates.domain.model import Actor


@dataclass(frozen=True)
class Scope:
    code: str
    label: str
    access: str


MANDATE_SCOPES: tuple[Scope, ...] = (
    Scope("donnees_personnelles", "Données personnelles", "consultation seule"),
    Scope(
        "cotisations",
        "Cotisations",
        "consultation, déclarations et paiements, selon les droits de chaque utilisateur "
        "du cabinet",
    ),
    Scope("attestations", "Attestations", "téléchargement des attestations"),
)
NEVER_DELEGATED: tuple[Scope, ...] = (
    Scope("sante", "Santé", "jamais accessible au cabinet"),
    Scope("releve_de_carriere", "Relevé de carrière", "jamais accessible au cabinet"),
)

TRANSITION_LABELS: dict[str, str] = {
    "requested": "Demande de mandat : la clé d'activation part par courrier",
    "key_reissued": "Nouvelle clé d'activation envoyée par courrier (l'ancienne ne vaut plus)",
    "letter_sent": "Courrier de la clé d'activation pris en charge",
    "key_entered": "Clé d'activation saisie par le cabinet",
    "locked": "Demande verrouillée après des clés erronées",
    "activated": "Mandat activé : clé d'activation saisie par le cabinet",
    "ended": "Mandat terminé",
    "deleted": "Demande supprimée",
    "moved": "Client rangé dans un autre portefeuille du cabinet",
}
ACTOR_LABELS: dict[Actor, str] = {
    "firm": "le cabinet",
    "assure": "vous",
    "agent": "un agent",
    "system": "automatique",
}
ASSURE_HIDDEN_TRANSITIONS = frozenset({"moved"})
"""The firm's own organisation (its portfolios) is not the assuré's business."""
