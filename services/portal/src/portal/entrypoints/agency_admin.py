"""What the agents' pages of an agency share: who may open them, appointments' api for
them, and the agency's own day and clock."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request

from portal.adapters.agency_admin_api import AgencyAdminApi
from portal.domain.appointments import zone_of
from portal.domain.visit import Visit
from portal.entrypoints.web import NotForThisActor, portal_of

_PARIS = ZoneInfo("Europe/Paris")


def agent_only(visit: Visit) -> None:
    if not visit.is_agent:
        raise NotForThisActor(
            "Les créneaux, les fermetures et la fiche des agences sont réservés aux agents de "
            "la caisse. Pour prendre, annuler ou déplacer votre propre rendez-vous, utilisez "
            "« Prendre rendez-vous » ou le lien du courriel reçu."
        )


def admin_api(request: Request) -> AgencyAdminApi:
    return AgencyAdminApi(portal_of(request).api("appointments"))


def agency_path(agency_id: str, tail: str = "") -> str:
    """``/gestion/rendez-vous/agences/{id}`` and the page under it."""
    return f"/gestion/rendez-vous/agences/{quote(agency_id, safe='')}{tail}"


def clock_of(free: list[dict[str, Any]]) -> tzinfo:
    """The agency's clock, read from one of its free slots (appointments answers every time
    at the agency's clock, with its offset); Paris's when it offers none."""
    return zone_of(free[0]["starts_at"]) if free else _PARIS


def today_at(request: Request, zone: tzinfo) -> date:
    return datetime.fromtimestamp(portal_of(request).now(), zone).date()
