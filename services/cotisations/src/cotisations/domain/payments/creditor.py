"""The SEPA creditor identifier (ICS in France): ``FR`` + two check digits + a three-character
business code + the national identifier; the check digits are ISO 7064 MOD 97-10 over the
national identifier followed by the country code and ``00`` (the business code is not
counted)."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def _digits(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


def creditor_id_valid(value: str) -> bool:
    if not _FORMAT.match(value):
        return False
    country, check, national = value[:2], value[2:4], value[7:]
    return int(_digits(national + country + check)) % 97 == 1


def with_check_digits(country: str, business_code: str, national: str) -> str:
    """A creditor identifier whose check digits are computed (tests, samples)."""
    rest = int(_digits(national + country + "00")) % 97
    return f"{country}{98 - rest:02d}{business_code}{national}"
