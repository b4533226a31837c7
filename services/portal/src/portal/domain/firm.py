"""A firm's pages in words: an import's rows and modes, the clients' sorts and state filters,
and the pagination of a list the portal holds whole (an import's report)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

IMPORT_MODES = {
    "all_or_nothing": "Tout ou rien : aucun client n'est ajouté si une ligne du fichier est "
    "refusée",
    "valid_rows": "Les lignes valides : leurs clients sont ajoutés, les lignes refusées sont "
    "signalées",
}
IMPORT_MODE_NAMES = {"all_or_nothing": "tout ou rien", "valid_rows": "les lignes valides"}
IMPORT_ROW_STATUSES = {
    "added": "Ajouté",
    "refused": "Refusé",
    "valid_not_imported": "Valide, non importé",
}
IMPORT_ROW_FILTERS = {
    "": "Toutes les lignes",
    "refused": "Les lignes refusées",
    "added": "Les clients ajoutés",
    "valid_not_imported": "Les lignes valides non importées",
}

CLIENT_SORTS = {
    "name": "Nom, de A à Z",
    "-name": "Nom, de Z à A",
    "siren": "SIREN, par ordre croissant",
    "-added": "Les derniers ajoutés d'abord",
    "added": "Les premiers ajoutés d'abord",
    "state": "État du mandat",
}
DEFAULT_SORT = "name"

OPEN_STATES = ("requested", "letter_sent", "active", "locked")
CLIENT_STATE_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "": ("Demandes en cours et mandats actifs", OPEN_STATES),
    "actifs": ("Mandats actifs", ("active",)),
    "en-attente": ("Demandes en attente de la clé", ("requested", "letter_sent", "locked")),
    "clos": ("Mandats terminés et demandes supprimées", ("ended", "deleted")),
}
"""The choices of « Mes clients »' state filter: the words shown and the states asked."""


def plural(count: int, one: str, many: str) -> str:
    """« 1 client ajouté », « 0 client ajouté », « 3 clients ajoutés »."""
    return f"{count} {one if count <= 1 else many}"


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]
    page: int
    pages: int
    total: int


def paged(items: Sequence[T], page: int, size: int) -> Paged[T]:
    """Page ``page`` (from 1, brought within bounds) of ``items``, ``size`` to a page."""
    total = len(items)
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return Paged(list(items[start : start + size]), page, pages, total)
