"""An IBAN and a BIC as a person types them, checked: the ISO 13616 check digits (mod 97), the
length of the country's IBAN, and for a French account its RIB key (bank, branch, account
number with letters read as digits). The same checks as the entrypoints' (``schwifty``), kept
here in plain Python so the domain imports no format library."""

from __future__ import annotations

import re

from cotisations.domain.payments.refusals import PaymentInputInvalid

LENGTHS = {"FR": 27, "MC": 27, "DE": 22, "BE": 16, "ES": 24, "IT": 27, "LU": 20, "NL": 18,
           "PT": 25, "CH": 21, "GB": 22, "IE": 22, "AT": 20, "GP": 27, "MQ": 27, "RE": 27,
           "GF": 27, "YT": 27, "PM": 27, "NC": 27, "PF": 27}  # fmt: skip
_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_RIB_GROUPS = ("", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ")
_RIB_LETTERS = {c: str(d) for d, letters in enumerate(_RIB_GROUPS) for c in letters}
_RIB_COUNTRIES = {"FR", "MC", "GP", "MQ", "RE", "GF", "YT", "PM", "NC", "PF"}


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97


def _rib_key_ok(bban: str) -> bool:
    digits = "".join(_RIB_LETTERS.get(c, c) for c in bban)
    if not digits.isdigit():
        return False
    bank, branch, account, key = digits[:5], digits[5:10], digits[10:21], digits[21:23]
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97 == int(key)


def valid_iban(value: str) -> str | None:
    """The IBAN in its electronic form when valid, else None."""
    iban = re.sub(r"\s+", "", value).upper()
    country = iban[:2]
    if not _SHAPE.fullmatch(iban) or len(iban) != LENGTHS.get(country, len(iban)):
        return None
    if _mod97(iban[4:] + iban[:4]) != 1:
        return None
    if country in _RIB_COUNTRIES and not _rib_key_ok(iban[4:]):
        return None
    return iban


def checked_iban(value: str, field: str = "iban") -> str:
    iban = valid_iban(value)
    if iban is None:
        raise PaymentInputInvalid(
            f"Le numéro de compte « {value.strip()} » n'est pas un IBAN valide (clé ou clé RIB "
            "incorrecte, ou longueur inattendue).",
            field=field,
        )
    return iban


def checked_bic(value: str) -> str:
    bic = value.strip().upper()
    if not _BIC.fullmatch(bic):
        raise PaymentInputInvalid(
            f"Le BIC « {value.strip()} » n'est pas valide (8 ou 11 caractères).", field="bic"
        )
    return bic
