"""French identifiers, checked with python-stdnum (messages in French for users)."""

from __future__ import annotations

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir, siren, siret


def normalize_siret(value: str) -> str:
    """The 14 digits of a valid SIRET (Luhn key, La Poste exception); ``ValueError`` else.

    A SIRET whose SIREN is all zeros passes the Luhn key but names no business: refused."""
    message = "Le numéro SIRET n'est pas valide (14 chiffres, clé de contrôle)."
    try:
        compact = str(siret.validate(value))
    except StdnumError as exc:
        raise ValueError(message) from exc
    if not compact[:9].strip("0"):
        raise ValueError(message)
    return compact


def normalize_siren(value: str) -> str:
    """The 9 digits of a valid SIREN; all zeros (the Luhn key passes) is refused."""
    message = "Le numéro SIREN n'est pas valide (9 chiffres, clé de contrôle)."
    try:
        compact = str(siren.validate(value))
    except StdnumError as exc:
        raise ValueError(message) from exc
    if not compact.strip("0"):
        raise ValueError(message)
    return compact


EMAIL_LOCAL_PART_MAX = 64
"""RFC 5321: the part before the @ holds at most 64 characters."""


def check_email(value: str) -> str:
    """An address already well formed (pydantic's EmailStr) whose local part also fits."""
    if len(value.rpartition("@")[0]) > EMAIL_LOCAL_PART_MAX:
        raise ValueError(
            f"La partie avant « @ » de l'adresse électronique dépasse {EMAIL_LOCAL_PART_MAX} "
            "caractères."
        )
    return value


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
