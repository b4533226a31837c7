"""Contributions of an indépendant au réel (artisan, commerçant, libéral non réglementé),
exactly as docs/rules.md §3 states them: Decimal arithmetic, half-up rounding per line."""

from __future__ import annotations

from decimal import Decimal as D

from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.rates import CFP_INDEPENDANT, YearConstants, constants
from cotisations.domain.results import Computation
from cotisations.domain.rounding import clamp, euro, places

ZERO, HUNDRED = D(0), D(100)
ACTIVITIES = frozenset(CFP_INDEPENDANT)


def maladie_rate(a: D, p: D) -> D:
    """The progressive maladie rate (docs/rules.md §3) in percent, rounded to 2 decimals."""
    if a < D("0.4") * p:
        t = ZERO
    elif a < D("0.6") * p:
        t = 4 * (a - D("0.4") * p) / (D("0.2") * p)
    elif a < D("1.1") * p:
        t = 4 + D("2.7") * (a - D("0.6") * p) / (D("0.5") * p)
    else:
        t = D("6.7")
    return places(t, 2)


def af_rate(a: D, p: D) -> D:
    """The allocations familiales rate (docs/rules.md §3) in percent (not rounded)."""
    if a < D("1.1") * p:
        return ZERO
    if a < D("1.4") * p:
        return D("3.1") * (a - D("1.1") * p) / (D("0.3") * p)
    return D("3.1")


def acre_rate(a: D, c: YearConstants) -> D:
    """The ACRE exemption (docs/rules.md §3) in percent, for a business created on 1 January."""
    p = c.pass_
    if a < D("0.75") * p:
        return c.acre_e0
    if a < p:
        return c.acre_e0 * (p - a) / (D("0.25") * p)
    return ZERO


def minimum_retraite(c: YearConstants) -> D:
    return euro(450 * c.smic_horaire)


def minimum_invalidite(c: YearConstants) -> D:
    return euro(D("0.115") * c.pass_)


def compute_independant(year: int, activity: str, income: D, *, acre: bool = False) -> Computation:
    if activity not in ACTIVITIES:
        raise ComputationInputInvalid(
            f"Activité inconnue « {activity} » (attendu : artisan, commercant ou liberal)."
        )
    c = constants(year)
    p, r = c.pass_, income
    a = max(ZERO, r)
    t = maladie_rate(a, p)
    ij = euro(D("0.005") * clamp(a, D("0.4") * p, 5 * p))
    am = max(a, D("0.4") * p)
    maladie_total = t / HUNDRED * min(am, 5 * p) + D("0.065") * max(ZERO, am - 5 * p)
    maladie = euro(max(ZERO, maladie_total - ij))
    ab = max(a, minimum_retraite(c))
    retraite_base = euro(D("0.1775") * min(ab, p) + D("0.006") * max(ZERO, ab - p))
    rci = euro(D("0.07") * min(a, c.prci) + D("0.08") * max(ZERO, min(a, 4 * p) - c.prci))
    invalidite = euro(D("0.013") * clamp(a, minimum_invalidite(c), p))
    taf = af_rate(a, p)
    af = euro(a * taf / HUNDRED)
    details: dict[str, object] = {}
    if acre:
        e = acre_rate(a, c)
        keep = 1 - e / HUNDRED
        maladie, ij, retraite_base, invalidite, af = (
            euro(x * keep) for x in (maladie, ij, retraite_base, invalidite, af)
        )
        details["acre_taux_exoneration"] = places(e, 4)
        details["acre_prorata"] = HUNDRED
    cotisations = maladie + ij + retraite_base + rci + invalidite + af
    base_csg = max(ZERO, r + cotisations)
    csg_deductible = euro(D("0.068") * base_csg)
    csg_non_deductible = euro(D("0.029") * base_csg)
    cfp = euro(p * CFP_INDEPENDANT[activity] / HUNDRED)
    lines = {
        "maladie_maternite": maladie,
        "indemnites_journalieres": ij,
        "retraite_base": retraite_base,
        "retraite_complementaire": rci,
        "invalidite_deces": invalidite,
        "allocations_familiales": af,
        "csg_crds": csg_deductible + csg_non_deductible,
        "formation_professionnelle": cfp,
    }
    details = {
        "assiette_cotisations": a,
        "csg_crds_assiette": base_csg,
        "csg_crds_deductible": csg_deductible,
        "csg_crds_non_deductible": csg_non_deductible,
        "maladie_total_avant_ij": maladie_total,
        "cotisations_hors_csg_cfp": cotisations,
        "assiette_minimale_maladie": D("0.4") * p,
        "assiette_minimale_retraite": minimum_retraite(c),
        "assiette_minimale_invalidite_deces": minimum_invalidite(c),
        "plafond_retraite_complementaire": c.prci,
        "smic_horaire": c.smic_horaire,
        **details,
    }
    rates = {
        "maladie_taux_progressif": t,
        "allocations_familiales": places(taf, 4),
        "indemnites_journalieres": D("0.5"),
        "retraite_base": D("17.75"),
    }
    return Computation("independant", year, lines, rates, p, details)


def compute_first_year_forfait(year: int, activity: str, *, acre: bool = False) -> Computation:
    """The first-year forfait (docs/rules.md §3): the provisional contributions of a business
    created during the year."""
    if activity not in ACTIVITIES:
        raise ComputationInputInvalid(f"Activité inconnue « {activity} ».")
    c = constants(year)
    p = c.pass_
    f = euro(D("0.19") * p)
    ij = euro(D("0.005") * D("0.4") * p)
    retraite_base = euro(D("0.1775") * max(f, minimum_retraite(c)))
    invalidite = euro(D("0.013") * max(f, minimum_invalidite(c)))
    if acre:
        keep = 1 - acre_rate(f, c) / HUNDRED
        ij, retraite_base, invalidite = (euro(x * keep) for x in (ij, retraite_base, invalidite))
    lines = {
        "maladie_maternite": ZERO,
        "indemnites_journalieres": ij,
        "retraite_base": retraite_base,
        "retraite_complementaire": euro(D("0.07") * f),
        "invalidite_deces": invalidite,
        "allocations_familiales": ZERO,
        "csg_crds": euro(D("0.068") * f) + euro(D("0.029") * f),
        "formation_professionnelle": euro(p * CFP_INDEPENDANT[activity] / HUNDRED),
    }
    return Computation("forfait", year, lines, {}, p, {"assiette_forfaitaire": f})


def quarters_validated(year: int, income: D) -> int:
    """Quarters of the basic pension (docs/rules.md §5) validated by a year's definitive income."""
    c = constants(year)
    ab = max(ZERO, income, minimum_retraite(c))
    return int(min(D(4), ab // (150 * c.smic_horaire)))
