"""« Fiche de l'agence »: the agency's record as appointments gives it, and a form changing
what agents change most (address, accessibility, channels, opening hours, default capacity);
the rest of the record is sent back as it was. appointments' refusal of the record is shown at
the input it names."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.agency_record import (
    DayHours,
    fault_at,
    hour_words,
    hours_of,
    record_form,
    typed_of,
)
from portal.domain.appointments import CHANNELS
from portal.entrypoints.agency_admin import admin_api, agency_path, agent_only
from portal.entrypoints.appointment_choice import appointments
from portal.entrypoints.web import checked_form, holder_of, render, signed_in, with_token

router = APIRouter()


async def _record_page(
    request: Request,
    agency: dict[str, Any],
    typed: dict[str, Any],
    hours: list[DayHours],
    *,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status: int = 200,
) -> HTMLResponse:
    regions = await appointments(request).regions()
    region = next((r["name"] for r in regions if r["code"] == agency["region"]), agency["region"])
    return render(
        request,
        "agency_record.html",
        region=region,
        title=f"Fiche de l'{agency['name']}" + (" — erreur" if status >= 400 else ""),
        status_code=status,
        agency=agency,
        typed=typed,
        hours=hours,
        shown_hours=[d for d in hours_of(agency) if any(p.opens for p in d.periods)],
        channels=CHANNELS,
        hour_words=hour_words,
        errors=errors or {},
        failure=failure,
    )


@router.get("/gestion/rendez-vous/agences/{agency_id}/fiche", response_class=HTMLResponse)
async def record(request: Request, agency_id: str) -> Response:
    agent_only(await signed_in(request))
    agency = await appointments(request).agency(agency_id)
    return await _record_page(request, agency, typed_of(agency), hours_of(agency))


@router.post("/gestion/rendez-vous/agences/{agency_id}/fiche", response_class=HTMLResponse)
async def record_changed(request: Request, agency_id: str) -> Response:
    agent_only(await signed_in(request))
    form = await checked_form(request)
    agency = await appointments(request).agency(agency_id)
    changed = record_form(
        agency,
        lambda name: str(form.get(name) or ""),
        [c for c in form.getlist("canaux") if isinstance(c, str)],
    )
    if changed.errors:
        return await _record_page(
            request, agency, changed.typed, changed.hours, errors=changed.errors, status=422
        )
    admin = admin_api(request)
    try:
        saved = await with_token(request, lambda t: admin.edit(t, agency_id, changed.record))
    except ApiError as exc:
        if exc.status != 422:
            raise
        at, said = fault_at(exc.fields.get("record") or exc.message, changed.sent)
        return await _record_page(
            request,
            agency,
            changed.typed,
            changed.hours,
            errors={at: said} if at else None,
            failure="" if at else said,
            status=422,
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"La fiche de l'{saved['name']} est enregistrée (version {saved['version']}) : "
            "les créneaux proposés suivent ses horaires."
        )
    )
    return RedirectResponse(agency_path(agency_id, "/fiche"), status_code=303)
