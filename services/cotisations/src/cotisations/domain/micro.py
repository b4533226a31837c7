"""Contributions of a micro-entrepreneur, exactly as docs/rules.md §4 states them (monthly
rounding of the cotisations and of the chamber tax; CFP to the cent)."""

from __future__ import annotations

from decimal import Decimal as D

from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.rates import CFP_MICRO, TFC_MICRO, YearConstants, constants
from cotisations.domain.results import Computation
from cotisations.domain.rounding import cents, euro, places

HUNDRED = D(100)
ACTIVITIES = frozenset({"vente", "services_bic", "bnc"})


def micro_rate(c: YearConstants, activity: str, acre: bool) -> D:
    rate = c.micro_rates[activity]
    if not acre:
        return rate
    decimals = c.micro_acre_bnc_decimals if activity == "bnc" else 1
    return places(rate * c.micro_acre_coefficient, decimals)


def monthly_amount(turnover: D, rate: D) -> D:
    """The monthly contribution on a month's share of the turnover, to the euro (§4)."""
    return euro(turnover * rate / HUNDRED / 12)


def compute_micro(
    year: int, activity: str, turnover: D, *, nature: str | None = None, acre: bool = False
) -> Computation:
    if activity not in ACTIVITIES:
        raise ComputationInputInvalid(
            f"Activité inconnue « {activity} » (attendu : vente, services_bic ou bnc)."
        )
    if activity == "bnc":
        nature = "liberale"
    nature = nature or "commerciale"
    if (activity, nature) not in CFP_MICRO:
        raise ComputationInputInvalid(
            f"Nature inconnue « {nature} » (attendu : commerciale ou artisanale)."
        )
    c = constants(year)
    ca = euro(max(D(0), turnover))
    rate = micro_rate(c, activity, acre)
    monthly = monthly_amount(ca, rate)
    cotisations = 12 * monthly
    cfp_rate, tfc_rate = CFP_MICRO[(activity, nature)], TFC_MICRO[(activity, nature)]
    cfp = cents(ca * cfp_rate / HUNDRED)
    tfc = 12 * euro(ca * tfc_rate / HUNDRED / 12)
    threshold = c.micro_threshold_services if activity == "bnc" else c.micro_threshold_vente
    repartition = {
        name: cents(cotisations * share / HUNDRED)
        for name, share in c.micro_repartition[activity].items()
    }
    return Computation(
        "micro",
        year,
        {
            "cotisations_sociales": cotisations,
            "formation_professionnelle": cfp,
            "taxe_frais_chambre": tfc,
        },
        {
            "cotisations": rate,
            "formation_professionnelle": cfp_rate,
            "taxe_frais_chambre": tfc_rate,
        },
        c.pass_,
        {
            "chiffre_affaires_retenu": ca,
            "cotisations_mensuelles": monthly,
            "repartition": repartition,
            "seuil_micro": threshold,
        },
    )
