"""« Créneaux de l'agence »: an agency's slots of a day, each with the places appointments
still offers, and « Modifier la capacité » of one of them. appointments gives a slot's
capacity and places taken only in its answer to the change: the page says them then."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.agency_slots import (
    MAX_CAPACITY,
    closure_on,
    day_slots,
    day_words,
    places,
    typed_capacity,
    typed_day,
)
from portal.domain.appointments import slot_when
from portal.entrypoints.agency_admin import (
    admin_api,
    agency_path,
    agent_only,
    clock_of,
    today_at,
)
from portal.entrypoints.appointment_choice import appointments
from portal.entrypoints.web import checked_form, holder_of, render, signed_in, with_token

router = APIRouter()


def _taken(n: int) -> str:
    if n == 0:
        return "aucune place n'est prise"
    return f"{places(n)} prise" + ("s" if n > 1 else "")


async def _slots_page(
    request: Request,
    agency_id: str,
    jour: str,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    agency = await appointments(request).agency(agency_id)
    admin = admin_api(request)
    first_free = await admin.free_slots(agency_id)
    zone = clock_of(first_free)
    found: dict[str, str] = dict(errors or {})
    day = typed_day(jour) if jour.strip() else None
    if jour.strip() and day is None:
        found["jour"] = "Saisissez une date valide, par exemple 12/01/2027."
        status = max(status, 422)
    if day is None:
        day = (
            datetime.fromisoformat(first_free[0]["starts_at"]).date()
            if first_free
            else today_at(request, zone)
        )
    free = await admin.free_slots(agency_id, day, day)
    zone = clock_of(free) if free else zone
    slots = day_slots(agency, day, zone, free)
    fields = {f"capacite-{s.key}" for s in slots}
    failure = " ".join(m for k, m in found.items() if k != "jour" and k not in fields)
    shown = {k: m for k, m in found.items() if k == "jour" or k in fields}
    base = agency_path(agency_id, "/creneaux")
    return render(
        request,
        "agency_slots.html",
        title=f"Créneaux de l'{agency['name']}" + (" — erreur" if status >= 400 else ""),
        status_code=status,
        agency=agency,
        day=day.isoformat(),
        day_words=day_words(day),
        slots=slots,
        closure=closure_on(agency, day),
        previous_link=f"{base}?{urlencode({'jour': (day - timedelta(days=1)).isoformat()})}",
        next_link=f"{base}?{urlencode({'jour': (day + timedelta(days=1)).isoformat()})}",
        errors=shown,
        failure=failure,
        typed=typed or {},
        max_capacity=MAX_CAPACITY,
    )


@router.get("/gestion/rendez-vous/agences/{agency_id}/creneaux", response_class=HTMLResponse)
async def slots_of_a_day(request: Request, agency_id: str, jour: str = "") -> Response:
    """The slots of ``jour`` (by default the day of the agency's first free slot)."""
    agent_only(await signed_in(request))
    return await _slots_page(request, agency_id, jour)


@router.post(
    "/gestion/rendez-vous/agences/{agency_id}/creneaux/capacite", response_class=HTMLResponse
)
async def change_capacity(request: Request, agency_id: str) -> Response:
    """« Modifier la capacité » of one slot: appointments refuses a capacity below the places
    taken (409) and an instant that is not one of the agency's slots (404), in its words."""
    agent_only(await signed_in(request))
    form = await checked_form(request)
    starts_at = str(form.get("creneau") or "")
    typed = str(form.get("capacite") or "")
    try:
        moment = datetime.fromisoformat(starts_at)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return await _slots_page(
            request,
            agency_id,
            str(form.get("jour") or ""),
            errors={"creneau": "Ce créneau n'existe pas : choisissez-en un dans la liste."},
            status=422,
        )
    day = moment.date().isoformat()
    field = f"capacite-{moment:%H%M}"
    capacity = typed_capacity(typed)
    if capacity is None:
        return await _slots_page(
            request,
            agency_id,
            day,
            errors={field: f"Saisissez un nombre entier de places, de 0 à {MAX_CAPACITY}."},
            typed={field: typed},
            status=422,
        )
    admin = admin_api(request)
    try:
        done: dict[str, Any] = await with_token(
            request, lambda t: admin.set_capacity(t, agency_id, moment.isoformat(), capacity)
        )
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        said = exc.fields.get("capacity") or exc.fields.get("starts_at") or exc.message
        return await _slots_page(
            request, agency_id, day, errors={field: said}, typed={field: typed}, status=exc.status
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Créneau du {slot_when(done['starts_at'])} : la capacité est de "
            f"{places(int(done['capacity']))}, {_taken(int(done['taken']))}."
        )
    )
    return RedirectResponse(
        agency_path(agency_id, f"/creneaux?{urlencode({'jour': day})}"), status_code=303
    )
