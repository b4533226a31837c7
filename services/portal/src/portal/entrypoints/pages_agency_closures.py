"""« Fermer l'agence »: a closure (first day, last day, label) typed, then a confirmation page
saying the appointments of those days will be cancelled (and how many are booked), then the
closure made and the appointments appointments cancelled counted. appointments publishes each
cancellation, notifications mails the person with the agency's next free slots."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.agency_admin_api import AgencyAdminApi
from portal.adapters.apis import ApiError
from portal.domain.agency_slots import MAX_LABEL, cancelled_words, closure_form, typed_day
from portal.entrypoints.agency_admin import (
    admin_api,
    agency_path,
    agent_only,
    clock_of,
    today_at,
)
from portal.entrypoints.appointment_choice import appointments
from portal.entrypoints.web import (
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
OPEN_STATES = ("requested", "confirmed")
PAGES_COUNTED = 5
"""Pages of appointments read to count those a closure cancels (200 each)."""
_API_FIELD = {"first_day": "premier_jour", "last_day": "dernier_jour", "label": "libelle"}


async def _form_page(
    request: Request,
    agency_id: str,
    typed: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status: int = 200,
) -> HTMLResponse:
    agency = await appointments(request).agency(agency_id)
    return render(
        request,
        "agency_closure.html",
        title=f"Fermer l'{agency['name']}" + (" — erreur" if status >= 400 else ""),
        status_code=status,
        agency=agency,
        typed=typed,
        errors=errors or {},
        failure=failure,
        max_label=MAX_LABEL,
    )


def _typed(source: Any) -> dict[str, str]:
    return {k: str(source.get(k) or "") for k in ("premier_jour", "dernier_jour", "libelle")}


async def _booked_between(
    request: Request, admin: AgencyAdminApi, agency_id: str, first: date, last: date
) -> tuple[int, bool]:
    """How many open appointments start on those days (and are still to come), and whether
    there may be more than were read."""
    now = portal_of(request).now()
    count, cursor = 0, None
    for _ in range(PAGES_COUNTED):
        page = await with_token(
            request, partial(admin.appointments_to_come, agency_id=agency_id, cursor=cursor)
        )
        for item in page.get("items", []):
            starts = datetime.fromisoformat(item["starts_at"])
            if starts.date() > last:
                return count, False
            if (
                item.get("state") in OPEN_STATES
                and starts.date() >= first
                and starts.timestamp() > now
            ):
                count += 1
        cursor = page.get("next_cursor")
        if not cursor:
            return count, False
    return count, True


@router.get("/gestion/rendez-vous/agences/{agency_id}/fermeture", response_class=HTMLResponse)
async def closure_form_page(request: Request, agency_id: str) -> Response:
    """The form (filled again from the query when the agent comes back from the
    confirmation) and the agency's closures."""
    agent_only(await signed_in(request))
    return await _form_page(request, agency_id, _typed(request.query_params))


@router.post("/gestion/rendez-vous/agences/{agency_id}/fermeture", response_class=HTMLResponse)
async def closure_asked(request: Request, agency_id: str) -> Response:
    """The closure checked, then the confirmation page: nothing is closed yet."""
    agent_only(await signed_in(request))
    typed = _typed(await checked_form(request))
    admin = admin_api(request)
    zone = clock_of(await admin.free_slots(agency_id))
    checked = closure_form(
        typed["premier_jour"],
        typed["dernier_jour"],
        typed["libelle"],
        today=today_at(request, zone),
    )
    if checked.errors or checked.first_day is None or checked.last_day is None:
        return await _form_page(request, agency_id, typed, errors=checked.errors, status=422)
    agency = await appointments(request).agency(agency_id)
    booked, more = await _booked_between(
        request, admin, agency_id, checked.first_day, checked.last_day
    )
    return render(
        request,
        "agency_closure_confirm.html",
        title=f"Confirmer la fermeture de l'{agency['name']}",
        agency=agency,
        typed=typed,
        first_day=checked.first_day.isoformat(),
        last_day=checked.last_day.isoformat(),
        label=checked.label,
        booked=booked,
        more=more,
        back=agency_path(agency_id, "/fermeture"),
    )


@router.post(
    "/gestion/rendez-vous/agences/{agency_id}/fermeture/confirmation",
    response_class=HTMLResponse,
)
async def closure_confirmed(request: Request, agency_id: str) -> Response:
    """The closure sent to appointments, which judges it (422 at its field: a last day before
    the first…); then the appointments it cancelled counted on the next page."""
    agent_only(await signed_in(request))
    typed = _typed(await checked_form(request))
    first_day, last_day = typed_day(typed["premier_jour"]), typed_day(typed["dernier_jour"])
    if first_day is None or last_day is None:
        return await _form_page(
            request,
            agency_id,
            typed,
            errors={
                name: "Saisissez une date valide, par exemple 12/01/2027."
                for name, day in (("premier_jour", first_day), ("dernier_jour", last_day))
                if day is None
            },
            status=422,
        )
    admin = admin_api(request)
    try:
        done = await with_token(
            request,
            lambda t: admin.close(t, agency_id, first_day, last_day, typed["libelle"].strip()),
        )
    except ApiError as exc:
        if exc.status != 422:
            raise
        errors = {_API_FIELD[f]: m for f, m in exc.fields.items() if f in _API_FIELD}
        return await _form_page(
            request,
            agency_id,
            typed,
            errors=errors,
            failure="" if errors else exc.message,
            status=422,
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            cancelled_words(done["agency"]["name"], first_day, last_day, len(done["cancelled"]))
        )
    )
    return RedirectResponse(agency_path(agency_id, "/fermeture"), status_code=303)
