"""The constants of each year, in one table: a new year is a data change (docs/rules.md §2).

A year whose values are not published yet is ``provisional``: it carries the latest published
year's values, so that its provisional échéancier exists from the day it can be estimated
(docs/rules.md §6.4); its row is replaced when the values are published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal as D

from cotisations.domain.errors import ComputationInputInvalid


@dataclass(frozen=True)
class YearConstants:
    year: int
    pass_: D
    smic_horaire: D
    prci: D
    micro_threshold_vente: D
    micro_threshold_services: D
    micro_rates: dict[str, D]
    acre_e0: D
    micro_acre_coefficient: D
    micro_acre_bnc_decimals: int
    micro_repartition: dict[str, dict[str, D]]
    provisional: bool = False
    """The year's values are not published yet: those of the year before are carried."""


_REPARTITION_BIC_2025 = {
    "maladie_maternite": D("8.90"),
    "invalidite_deces": D("3.10"),
    "retraite_base": D("41.80"),
    "retraite_complementaire": D("16.50"),
    "csg_crds_autres_contributions": D("29.70"),
}
_REPARTITION_BIC_2026 = {
    "maladie_maternite": D("10.05"),
    "invalidite_deces": D("3.15"),
    "retraite_base": D("43.45"),
    "retraite_complementaire": D("19.75"),
    "csg_crds_autres_contributions": D("23.60"),
}
_REPARTITION_BNC_2025 = {
    "maladie_maternite": D("3.40"),
    "invalidite_deces": D("3.50"),
    "retraite_base": D("47.60"),
    "retraite_complementaire": D("13.00"),
    "csg_crds_autres_contributions": D("32.50"),
}
_REPARTITION_BNC_2026 = {
    "maladie_maternite": D("4.10"),
    "invalidite_deces": D("3.30"),
    "retraite_base": D("46.40"),
    "retraite_complementaire": D("21.00"),
    "csg_crds_autres_contributions": D("25.20"),
}

YEARS: dict[int, YearConstants] = {
    2025: YearConstants(
        year=2025,
        pass_=D(47100),
        smic_horaire=D("11.88"),
        prci=D(43891),
        micro_threshold_vente=D(188700),
        micro_threshold_services=D(77700),
        micro_rates={"vente": D("12.3"), "services_bic": D("21.2"), "bnc": D("24.6")},
        acre_e0=D(100),
        micro_acre_coefficient=D("0.5"),
        micro_acre_bnc_decimals=1,
        micro_repartition={
            "vente": _REPARTITION_BIC_2025,
            "services_bic": _REPARTITION_BIC_2025,
            "bnc": _REPARTITION_BNC_2025,
        },
    ),
    2026: YearConstants(
        year=2026,
        pass_=D(48060),
        smic_horaire=D("12.02"),
        prci=D(43891),
        micro_threshold_vente=D(203100),
        micro_threshold_services=D(83600),
        micro_rates={"vente": D("12.3"), "services_bic": D("21.2"), "bnc": D("25.6")},
        acre_e0=D(25),
        micro_acre_coefficient=D("0.5"),
        micro_acre_bnc_decimals=2,
        micro_repartition={
            "vente": _REPARTITION_BIC_2026,
            "services_bic": _REPARTITION_BIC_2026,
            "bnc": _REPARTITION_BNC_2026,
        },
    ),
}
# 2027: the PASS, the SMIC and the rates of 2027 are not in the model yet. Its provisional
# contributions (an estimate made from late 2026, the échéancier of January 2027) are computed
# on 2026's values until they are, and regularised on the definitive income as every year.
YEARS[2027] = replace(YEARS[2026], year=2027, provisional=True)

# Rates that do not change between the years covered (percent).
CFP_INDEPENDANT = {"artisan": D("0.29"), "commercant": D("0.25"), "liberal": D("0.25")}
CFP_MICRO = {("vente", "commerciale"): D("0.1"), ("services_bic", "commerciale"): D("0.1"),
             ("vente", "artisanale"): D("0.3"), ("services_bic", "artisanale"): D("0.3"),
             ("bnc", "liberale"): D("0.2")}  # fmt: skip
TFC_MICRO = {("vente", "commerciale"): D("0.015"), ("services_bic", "commerciale"): D("0.044"),
             ("vente", "artisanale"): D("0.22"), ("services_bic", "artisanale"): D("0.48"),
             ("bnc", "liberale"): D(0)}  # fmt: skip


def known_years() -> str:
    """The years covered, as a sentence says them: « 2025, 2026 ou 2027 »."""
    years = [str(y) for y in sorted(YEARS)]
    return years[0] if len(years) == 1 else f"{', '.join(years[:-1])} ou {years[-1]}"


def constants(year: int) -> YearConstants:
    try:
        return YEARS[year]
    except KeyError:
        raise ComputationInputInvalid(
            f"L'année {year} n'est pas couverte : les années connues sont {known_years()}.",
            field="year",
        ) from None
