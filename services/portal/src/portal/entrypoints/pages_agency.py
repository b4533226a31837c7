"""The agents' appointment pages: an agency's appointments by day and state, one appointment
with its history, and its confirmation (with a note), cancellation (with an explanation) and
outcome (done or no-show). appointments decides what an agent may do (``agent-only``) and in
which state; the portal only shows the forms the state calls for."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from portal.adapters.apis import ApiError
from portal.domain import appointments as appointment_words
from portal.domain.agency_slots import typed_day
from portal.domain.appointments import (
    CANCELLED_BY,
    CHANNELS,
    OUTCOMES,
    STATE_FILTERS,
    STATES,
    history,
    slot_day,
    slot_when,
    zone_of,
)
from portal.domain.visit import Visit
from portal.entrypoints.appointment_choice import appointments
from portal.entrypoints.web import (
    NotForThisActor,
    checked_form,
    holder_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
ACTIONS = {
    "confirmation": (
        "note",
        "Le rendez-vous est confirmé : la personne en est avertie par courriel.",
    ),
    "annulation": (
        "explication",
        "Le rendez-vous est annulé : la personne en est avertie par courriel, la place est "
        "libérée.",
    ),
    "issue": ("issue", "L'issue du rendez-vous est enregistrée."),
}
"""The form of each action: its field and the message shown once it is done."""
_API_ACTION = {"confirmation": "confirmation", "annulation": "cancellation", "issue": "outcome"}
_API_FIELD = {"note": "note", "explanation": "explication", "outcome": "issue"}


def _agent(visit: Visit) -> None:
    if not visit.is_agent:
        raise NotForThisActor(
            "Les rendez-vous des agences sont réservés aux agents de la caisse. Pour prendre, "
            "annuler ou déplacer votre propre rendez-vous, utilisez « Prendre rendez-vous » ou "
            "le lien du courriel reçu."
        )


@router.get("/gestion/rendez-vous", response_class=HTMLResponse)
async def agencies(request: Request, region: str = "") -> Response:
    """The agencies of a region, to open one's appointments."""
    _agent(await signed_in(request))
    api = appointments(request)
    regions = await api.regions()
    errors: dict[str, str] = {}
    found: list[dict[str, Any]] = []
    if region and region not in {r["code"] for r in regions}:
        errors["region"] = "Choisissez une région dans la liste."
        region = ""
    if region:
        found = await api.agencies(region)
    return render(
        request,
        "agency_choice.html",
        title="Rendez-vous des agences",
        status_code=422 if errors else 200,
        regions=regions,
        region=region,
        agencies=found,
        errors=errors,
    )


@router.get("/gestion/rendez-vous/agences/{agency_id}", response_class=HTMLResponse)
async def agency_appointments(
    request: Request, agency_id: str, jour: str = "", etat: str = "", curseur: str = ""
) -> Response:
    """An agency's appointments in order of start: of a day, or every one to come (from the
    day before), of one state or all; paginated by appointments' cursor."""
    visit = await signed_in(request)
    _agent(visit)
    api = appointments(request)
    agency = await api.agency(agency_id)
    errors: dict[str, str] = {}
    day = typed_day(jour) if jour.strip() else None
    if jour.strip() and day is None:
        errors["jour"] = "Saisissez une date valide, par exemple 12/01/2027."
    if etat not in STATE_FILTERS:
        errors["etat"] = "Choisissez un état dans la liste."
        etat = ""
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        page = await with_token(
            request,
            lambda t: api.of_agency(
                t,
                agency_id,
                state=etat,
                day=day.isoformat() if day else "",
                cursor=curseur or None,
            ),
        )
    base = f"/gestion/rendez-vous/agences/{quote(agency_id, safe='')}"
    kept = {k: v for k, v in {"jour": day.isoformat() if day else "", "etat": etat}.items() if v}
    next_cursor = page.get("next_cursor")
    return render(
        request,
        "agency_appointments.html",
        title=f"Rendez-vous de l'{agency['name']}" + (" — erreur" if errors else ""),
        status_code=422 if errors else 200,
        agency=agency,
        items=page.get("items", []),
        day_words=slot_day(day.isoformat() + "T12:00:00") if day else "",
        day_value=day.isoformat() if day else jour,
        state=etat,
        filters=STATE_FILTERS,
        states=STATES,
        channels=CHANNELS,
        words_rdv=appointment_words,
        first_link=f"{base}?{urlencode(kept)}" if curseur else "",
        next_link=f"{base}?{urlencode({**kept, 'curseur': next_cursor})}" if next_cursor else "",
        errors=errors,
    )


async def _appointment_page(
    request: Request,
    appointment_id: str,
    *,
    errors: dict[str, str] | None = None,
    failure: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    api = appointments(request)
    found = await with_token(request, lambda t: api.appointment(t, appointment_id))
    zone = zone_of(found["starts_at"])
    return render(
        request,
        "agency_appointment.html",
        title="Rendez-vous de " + found["display_name"] + (" — erreur" if status >= 400 else ""),
        status_code=status,
        found=found,
        when=slot_when(found["starts_at"]),
        history=history(found.get("history") or [], zone),
        states=STATES,
        channels=CHANNELS,
        cancelled_by=CANCELLED_BY,
        outcomes=OUTCOMES,
        words_rdv=appointment_words,
        errors=errors or {},
        failure=failure,
        typed=typed or {},
    )


@router.get("/gestion/rendez-vous/{appointment_id}", response_class=HTMLResponse)
async def appointment(request: Request, appointment_id: str) -> Response:
    _agent(await signed_in(request))
    return await _appointment_page(request, appointment_id)


@router.post("/gestion/rendez-vous/{appointment_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, appointment_id: str, action: str) -> Response:
    """Confirm (``confirmation``, a note), cancel (``annulation``, an explanation) or record
    the outcome (``issue``: ``done`` or ``no_show``)."""
    _agent(await signed_in(request))
    if action not in ACTIONS:
        raise HTTPException(404)
    form = await checked_form(request)
    field, done_message = ACTIONS[action]
    value = str(form.get(field) or "").strip()
    body: dict[str, Any]
    if action == "confirmation":
        body = {"note": value}
    elif action == "annulation":
        if not value:
            return await _appointment_page(
                request,
                appointment_id,
                errors={"explication": "Dites à la personne pourquoi son rendez-vous est annulé."},
                status=422,
            )
        body = {"explanation": value}
    else:
        if value not in OUTCOMES:
            return await _appointment_page(
                request,
                appointment_id,
                errors={"issue": "Choisissez si la personne est venue ou non."},
                status=422,
            )
        body = {"outcome": value}
    api = appointments(request)
    try:
        await with_token(request, lambda t: api.act(t, appointment_id, _API_ACTION[action], body))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        errors = {_API_FIELD[f]: m for f, m in exc.fields.items() if f in _API_FIELD}
        return await _appointment_page(
            request,
            appointment_id,
            errors=errors,
            failure="" if errors else exc.message,
            typed={field: value},
            status=exc.status,
        )
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(done_message))
    return RedirectResponse(
        f"/gestion/rendez-vous/{quote(appointment_id, safe='')}", status_code=303
    )
