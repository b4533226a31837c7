"""French identifiers, checked with python-stdnum (messages in French for users)."""

from __future__ import annotations

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret


def normalize_siret(value: str) -> str:
    """The 14 digits of a valid SIRET (Luhn key, La Poste exception); ``ValueError`` else."""
    try:
        return str(siret.validate(value))
    except StdnumError as exc:
        raise ValueError(
            "Le numéro SIRET n'est pas valide (14 chiffres, clé de contrôle)."
        ) from exc


def normalize_siren(value: str) -> str:
    try:
        return str(siren.validate(value))
    except StdnumError as exc:
        raise ValueError("Le numéro SIREN n'est pas valide (9 chiffres, clé de contrôle).") from exc
