"""The first three steps of « Prendre rendez-vous », shared by the pages that follow them: the
object and reason, the place (region, agency, channel), the slot. Each choice travels in the
query string (a GET form: nothing is written before the last step); a choice missing or
refused sends the person back to its step, the error at its field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from portal.adapters.apis import ApiError
from portal.adapters.appointments_api import AppointmentsApi
from portal.domain.appointments import (
    CHANNELS,
    CHANNELS_IN_A_SENTENCE,
    by_day,
    reason_groups,
    slot_when,
)
from portal.entrypoints.web import portal_of, render

STEPS = (
    "Objet et motif de votre visite",
    "Lieu du rendez-vous",
    "Date et heure",
    "Vos coordonnées",
)


def appointments(request: Request) -> AppointmentsApi:
    return AppointmentsApi(portal_of(request).api("appointments"))


def query(**params: str | None) -> str:
    """``?motif=…&agence=…`` of the choices made (an empty one left out)."""
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


@dataclass(frozen=True)
class Choice:
    """What the person chose before the form: the reason, the agency, the channel (and the
    slot, once chosen)."""

    reason: dict[str, Any]
    region: str
    agency: dict[str, Any]
    channel: str
    slot: str = ""

    def params(self, **more: str | None) -> dict[str, str | None]:
        return {
            "motif": self.reason["code"],
            "region": self.region,
            "agence": self.agency["agency_id"],
            "canal": self.channel,
            **more,
        }

    @property
    def slot_words(self) -> str:
        return slot_when(self.slot) if self.slot else ""


class StepRefused(Exception):
    """A choice is missing or refused: ``page`` is its step again, the error at its field."""

    def __init__(self, page: HTMLResponse) -> None:
        super().__init__("step refused")
        self.page = page


async def reason_page(
    request: Request, chosen: str = "", errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    reasons = await appointments(request).reasons()
    return render(
        request,
        "appointment_reason.html",
        title="Prendre rendez-vous" + (" — erreur" if errors else ""),
        status_code=status,
        steps=STEPS,
        step=1,
        groups=reason_groups(reasons),
        channel_words=CHANNELS_IN_A_SENTENCE,
        chosen=chosen,
        errors=errors or {},
    )


async def chosen_reason(request: Request, code: str) -> dict[str, Any]:
    reasons = await appointments(request).reasons()
    found = next((r for r in reasons if r["code"] == code), None)
    if found is None:
        raise StepRefused(
            await reason_page(
                request,
                errors={"motif": "Choisissez l'objet et le motif de votre visite."},
                status=422,
            )
        )
    return found


async def place_page(
    request: Request,
    reason: dict[str, Any],
    region: str,
    *,
    agency_id: str = "",
    channel: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    api = appointments(request)
    regions = await api.regions()
    errors = dict(errors or {})
    agencies: list[dict[str, Any]] = []
    if region and region not in {r["code"] for r in regions}:
        errors["region"] = "Choisissez votre région dans la liste."
        region = ""
    if region:
        agencies = await api.agencies(region)
    return render(
        request,
        "appointment_place.html",
        title="Prendre rendez-vous — lieu" + (" — erreur" if errors else ""),
        status_code=422 if errors and status == 200 else status,
        steps=STEPS,
        step=2,
        reason=reason,
        regions=regions,
        region=region,
        region_name=next((r["name"] for r in regions if r["code"] == region), ""),
        agencies=agencies,
        agency_id=agency_id,
        channel=channel,
        channels={c: CHANNELS[c] for c in reason["channels"] if c in CHANNELS},
        words_channels=CHANNELS_IN_A_SENTENCE,
        errors=errors,
    )


async def chosen_place(request: Request, params: dict[str, str]) -> Choice:
    """The reason, agency and channel of ``params``, checked against appointments' data."""
    reason = await chosen_reason(request, params.get("motif", ""))
    region = params.get("region", "")
    agency_id = params.get("agence", "")
    channel = params.get("canal", "")
    errors: dict[str, str] = {}
    agency: dict[str, Any] | None = None
    if not agency_id:
        errors["agence"] = "Choisissez une agence."
    else:
        try:
            agency = await appointments(request).agency(agency_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
            errors["agence"] = "Cette agence n'existe pas : choisissez-en une dans la liste."
    if channel not in reason["channels"]:
        errors["canal"] = "Choisissez le type de rendez-vous."
    elif agency is not None and channel not in agency["channels"]:
        errors["canal"] = (
            f"L'{agency['name']} ne propose pas de rendez-vous "
            f"{CHANNELS_IN_A_SENTENCE[channel]} : choisissez un autre type de rendez-vous ou "
            "une autre agence."
        )
    if errors or agency is None:
        raise StepRefused(
            await place_page(
                request,
                reason,
                region or (agency or {}).get("region", ""),
                agency_id=agency_id,
                channel=channel,
                errors=errors,
                status=422,
            )
        )
    return Choice(reason, region or agency["region"], agency, channel)


async def slots_page(
    request: Request,
    choice: Choice,
    cursor: str = "",
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    api = appointments(request)
    failure = ""
    try:
        page = await api.slots(choice.agency["agency_id"], choice.channel, cursor or None)
    except ApiError as exc:
        if exc.status != 422 or not cursor:
            raise
        failure = "Cette page de créneaux n'est plus valable : voici les premiers créneaux libres."
        cursor = ""
        page = await api.slots(choice.agency["agency_id"], choice.channel, None)
    next_cursor = page.get("next_cursor")
    return render(
        request,
        "appointment_slots.html",
        title="Prendre rendez-vous — date et heure" + (" — erreur" if errors else ""),
        status_code=status,
        steps=STEPS,
        step=3,
        choice=choice,
        channels=CHANNELS,
        days=by_day(page.get("items", [])),
        chosen=choice.slot,
        first_link="/rendez-vous/creneaux" + query(**choice.params()) if cursor else "",
        next_link="/rendez-vous/creneaux" + query(**choice.params(curseur=next_cursor))
        if next_cursor
        else "",
        failure=failure,
        errors=errors or {},
    )


async def chosen_slot(request: Request, params: dict[str, str]) -> Choice:
    """The whole choice of ``params``, its slot an instant with its offset."""
    place = await chosen_place(request, params)
    slot = params.get("creneau", "")
    try:
        moment = datetime.fromisoformat(slot) if slot else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise StepRefused(
            await slots_page(
                request,
                place,
                errors={"creneau": "Choisissez un créneau parmi les créneaux libres."},
                status=422,
            )
        )
    return Choice(place.reason, place.region, place.agency, place.channel, slot)
