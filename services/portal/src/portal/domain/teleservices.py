"""Where each téléservice identity lists for a person opens in the portal."""

from __future__ import annotations

PAGES = {
    "donnees_personnelles": "/donnees-personnelles",
    "cotisations": "/cotisations",
    "attestations": "/attestations",
}
"""Téléservices served by the portal; the others identity lists (santé) carry their own link;
« Mon relevé de carrière » has no page yet."""


def page_of(code: str, link_out: str | None) -> str | None:
    if link_out:
        return link_out
    return PAGES.get(code)
