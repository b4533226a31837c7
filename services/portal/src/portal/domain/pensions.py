"""« Historique des versements de pension »: who is offered it, and a payment's month in words.

The history belongs to the « attestations » téléservice (attestations serves it beside the
attestation fiscale, for pensioners): « Mon compte » links to it, beside the téléservices'
tiles, for a retraité whose téléservices identity lists « attestations » among. identity's list
has no entry of its own for it, so the category is read from the ``cat`` claim of identity's
access token (read, not verified: it only chooses a link; attestations decides who reads
what).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable

from servicekit.french import MONTHS

PENSIONER = "retraite"
LABEL = "Historique des versements de pension"
PAGE = "/versements-de-pension"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def category_in(access_token: str) -> str | None:
    """The ``cat`` claim of an access token identity issued; None when it reads as no JWT
    with that claim."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # not base64, not UTF-8, not JSON
        return None
    category = claims.get("cat") if isinstance(claims, dict) else None
    return category if isinstance(category, str) else None


def offered(access_token: str, teleservices: Iterable[str]) -> bool:
    """Whether « Mon compte » offers the history: a pensioner whose téléservices include
    « attestations »."""
    return "attestations" in teleservices and category_in(access_token) == PENSIONER


def month_words(period: str) -> str:
    """``2026-03`` → « mars 2026 »; anything else as it is."""
    if found := _MONTH.match(period):
        return f"{MONTHS[int(found[2]) - 1]} {found[1]}"
    return period
