"""SEPA reason codes of returned direct debits, with the French words the affilié reads."""

from __future__ import annotations

REASONS: dict[str, str] = {
    "AC01": "Coordonnées bancaires incorrectes",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué",
    "AC13": "Compte de débiteur non valide pour ce prélèvement",
    "AG01": "Prélèvement interdit sur ce compte",
    "AG02": "Code opération incorrect",
    "AM04": "Provision insuffisante",
    "AM05": "Prélèvement en double",
    "BE05": "Créancier non reconnu",
    "FF01": "Format de fichier invalide",
    "MD01": "Absence de mandat",
    "MD02": "Informations du mandat incomplètes ou erronées",
    "MD06": "Remboursement demandé par le débiteur",
    "MD07": "Débiteur décédé",
    "MS02": "Refus du débiteur",
    "MS03": "Raison non communiquée",
    "RC01": "Code BIC incorrect",
    "RR01": "Identification du débiteur manquante",
    "RR02": "Nom ou adresse du débiteur manquant",
    "RR03": "Nom ou adresse du créancier manquant",
    "RR04": "Raison réglementaire",
    "SL01": "Service spécifique de la banque du débiteur",
}


def reason_label(code: str) -> str:
    return REASONS.get(code, f"Rejet bancaire (motif {code})")
