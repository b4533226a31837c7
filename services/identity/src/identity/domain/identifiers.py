"""French identifiers, checked with python-stdnum (messages in French for users)."""

from __future__ import annotations

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir, siren, siret


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


def normalize_nir(value: str) -> str:
    """The 15 characters of a NIR with a valid key; Corsica (2A, 2B) and temporary numbers
    (first digit 7 or 8) are accepted."""
    compact = "".join(value.split()).upper()
    try:
        return str(nir.validate(compact))
    except StdnumError:
        temporary = len(compact) == 15 and compact[:1] in {"7", "8"} and compact.isdigit()
        if temporary and int(compact[13:]) == 97 - int(compact[:13]) % 97:
            return compact
        message = "Le numéro de sécurité sociale (NIR) n'est pas valide (15 caractères, clé)."
        raise ValueError(message) from None
