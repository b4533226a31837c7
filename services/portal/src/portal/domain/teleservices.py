"""Where each téléservice identity lists for a person opens in the portal."""

from __future__ import annotations

PAGES = {
    "donnees_personnelles": "/donnees-personnelles",
    "cotisations": "/cotisations",
    "releve_de_carriere": "/releve-de-carriere",
    "attestations": "/attestations",
}
"""Téléservices served by the portal; santé, held by the health insurers, carries its own link."""


def page_of(code: str, link_out: str | None) -> str | None:
    if link_out:
        return link_out
    return PAGES.get(code)
