"""« Déclarer mon chiffre d'affaires »: a micro-entrepreneur's period in words, the period the
form offers first (the last one over), and the names of the lines cotisations computes.

How a period is written and which may be declared is cotisations' to say (a month ``2026-03``
or a quarter ``2026-T1`` after the account's periodicity, once it is over, once): the portal
only offers the last period over and says cotisations' refusals.
"""

from __future__ import annotations

import re
from datetime import date

from servicekit.french import MONTHS

LINES = {
    "cotisations_sociales": "Cotisations et contributions sociales",
    "formation_professionnelle": "Contribution à la formation professionnelle",
    "taxe_frais_chambre": "Taxe pour frais de chambre consulaire",
}
MICRO = "micro_entrepreneur"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-T([1-4])$")


def period_words(code: str) -> str:
    """``2026-03`` → « mars 2026 »; ``2026-T1`` → « 1er trimestre 2026 »; anything else as it
    is."""
    if month := _MONTH.match(code):
        return f"{MONTHS[int(month[2]) - 1]} {month[1]}"
    if quarter := _QUARTER.match(code):
        rank = "1er" if quarter[2] == "1" else f"{quarter[2]}e"
        return f"{rank} trimestre {quarter[1]}"
    return code


def of_period(code: str) -> str:
    """« de mars 2026 », « d'avril 2026 », « du 1er trimestre 2026 »: the period after « le
    chiffre d'affaires »."""
    words = period_words(code)
    if _QUARTER.match(code):
        return f"du {words}"
    return f"d'{words}" if words[:1] in "aeiouéâ" else f"de {words}"


def last_over(periodicity: str, today: date) -> str:
    """The last period of ``periodicity`` that is over on ``today``, as cotisations writes it:
    last month (``2026-11`` in December 2026) or last quarter (``2026-T3``)."""
    if periodicity == "quarterly":
        quarter = (today.month - 1) // 3  # the quarters over this year
        if quarter == 0:
            return f"{today.year - 1}-T4"
        return f"{today.year}-T{quarter}"
    if today.month == 1:
        return f"{today.year - 1}-12"
    return f"{today.year}-{today.month - 1:02d}"


def period_hint(periodicity: str, today: date) -> str:
    """How the period is written for the account, with the last one over as the example."""
    example = last_over(periodicity, today)
    if periodicity == "quarterly":
        return (
            f"Vous déclarez chaque trimestre : un trimestre terminé, écrit AAAA-TN, par exemple "
            f"{example} pour le {period_words(example)}"
        )
    return (
        f"Vous déclarez chaque mois : un mois terminé, écrit AAAA-MM, par exemple {example} "
        f"pour {period_words(example)}"
    )
