"""Who books: the NIR (social security number) and the mobile phone of a person.

The NIR rule is identity's (``identity.domain.identifiers.normalize_nir``, which relies on
python-stdnum); services share no code, so appointments keeps its own copy of the rule and
the two must stay the same:

- 15 characters once spaces (and dots) are removed, letters in upper case;
- characters 1–5 and 8–15 are digits; 6–7 (the département of birth) are digits or, for
  Corsica, ``2A``/``2B``, read as 19 and 18 for the key;
- the key (the last two digits) is ``97 − (the first 13 as a number mod 97)``;
- any first digit (1 or 2, and 7 or 8 for temporary numbers) is accepted.
"""

from __future__ import annotations

from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

_DIGITS: Final = frozenset("0123456789")
_PHONE_CHARACTERS: Final = _DIGITS | frozenset("+ .-()/\u00a0\u202f")
"""What a typed phone number may hold: letters (``06 12 34 56 78 ou 07…``, an extension) would
be dropped silently by phonenumbers, so they are refused."""
_CORSICA: Final = {"2A": "19", "2B": "18"}

# France and the overseas parts that number their phones in their own regions.
_FRENCH_REGIONS: Final = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF")


class InvalidPhone(ValueError):
    """Not a French mobile number (message in French)."""


def normalise_nir(nir: str) -> str:
    """The NIR without spaces (nor dots), in upper case; not checked."""
    return "".join(nir.split()).replace(".", "").upper()


def _is_digits(text: str) -> bool:
    return bool(text) and set(text) <= _DIGITS


def nir_is_valid(nir: str) -> bool:
    """Whether the NIR is well formed and its key is right (see the module's rule)."""
    compact = normalise_nir(nir)
    if len(compact) != 15 or not (_is_digits(compact[:5]) and _is_digits(compact[7:])):
        return False
    birth_place = compact[5:7]
    if not _is_digits(birth_place):
        if birth_place not in _CORSICA:
            return False
        birth_place = _CORSICA[birth_place]
    number = int(compact[:5] + birth_place + compact[7:13])
    return int(compact[13:]) == 97 - number % 97


def _display(value: str) -> str:
    shown = " ".join(value.split())
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    """The number as written: international, or national in France or in one of its overseas
    parts (« 0690 12 34 56 » is a Guadeloupe mobile, not a number of metropolitan France)."""
    if not set(value) <= _PHONE_CHARACTERS:
        return None
    candidates = ("FR",) if value.strip().startswith("+") else _FRENCH_REGIONS
    first_parsed: phonenumbers.PhoneNumber | None = None
    for region in candidates:
        try:
            number = phonenumbers.parse(value, region)
        except NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
        first_parsed = first_parsed or number
    return first_parsed


def french_mobile(value: str) -> str:
    """The E.164 form (``+33612345678``) of a mobile of France or its overseas parts;
    :class:`InvalidPhone` for a landline, a foreign number or anything else."""
    shown = _display(value)
    number = _parse(value)
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"Le numéro {shown} n'est pas un numéro de téléphone valide.")
    if phonenumbers.region_code_for_number(number) not in _FRENCH_REGIONS:
        raise InvalidPhone(f"Le numéro {shown} n'est pas un numéro de mobile français.")
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        raise InvalidPhone(f"Le numéro {shown} n'est pas un numéro de mobile.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
