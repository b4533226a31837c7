"""« Gérer mon rendez-vous »: the page the link of appointments' mails opens (no sign-in; the
link is the proof), to see the appointment, cancel it, or move it to another free slot of the
agency. The token travels in the query string (``?token=``), which the gateway's access log
never writes; a link used, older than the last change or past answers in French (410), an
unknown one too (404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from servicekit.logging import register_secret

from portal.adapters.apis import ApiError
from portal.domain import appointments as appointment_words
from portal.domain.appointments import CHANNELS, STATES, by_day, slot_when, token_of
from portal.entrypoints.appointment_choice import appointments
from portal.entrypoints.web import checked_form, holder_of, render

router = APIRouter()
_LINK_REFUSALS = (404, 410)


def _manage_link(token: str, **more: str) -> str:
    return "/rendez-vous/gestion?" + urlencode({"token": token, **more})


def _link_refused(request: Request, exc: ApiError) -> HTMLResponse:
    heading = "Ce lien n'est pas valide" if exc.status == 404 else "Ce lien ne sert plus"
    return render(
        request,
        "appointment_link_refused.html",
        title=heading,
        status_code=exc.status,
        heading=heading,
        message=exc.message,
    )


async def _page(
    request: Request,
    token: str,
    *,
    cursor: str = "",
    errors: dict[str, str] | None = None,
    failure: str = "",
    offers: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    api = appointments(request)
    try:
        found = await api.by_link(token)
    except ApiError as exc:
        if exc.status not in _LINK_REFUSALS:
            raise
        return _link_refused(request, exc)
    slots: list[dict[str, Any]] = []
    next_cursor = None
    if found["can_reschedule"] and offers is None:
        page = await api.slots(found["agency_id"], found["channel"], cursor or None)
        slots = [s for s in page.get("items", []) if s["starts_at"] != found["starts_at"]]
        next_cursor = page.get("next_cursor")
    return render(
        request,
        "appointment_manage.html",
        title="Gérer mon rendez-vous" + (" — erreur" if status >= 400 else ""),
        status_code=status,
        found=found,
        token=token,
        states=STATES,
        channels=CHANNELS,
        words_rdv=appointment_words,
        days=by_day(offers if offers is not None else slots),
        offered=offers is not None,
        first_link=_manage_link(token) if cursor else "",
        next_link=_manage_link(token, curseur=next_cursor) if next_cursor else "",
        errors=errors or {},
        failure=failure,
    )


@router.get("/rendez-vous/gestion", response_class=HTMLResponse)
async def manage(request: Request, token: str = "", curseur: str = "") -> Response:
    """Opening the link shows the appointment and the forms; it changes nothing."""
    if not token:
        return _link_refused(request, ApiError(404, "link-not-found", "Ce lien n'est pas valide."))
    register_secret(token)
    return await _page(request, token, cursor=curseur)


@router.post("/rendez-vous/gestion/annulation", response_class=HTMLResponse)
async def cancel(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token") or "")
    register_secret(token)
    try:
        done = await appointments(request).cancel_by_link(token)
    except ApiError as exc:
        if exc.status in _LINK_REFUSALS:
            return _link_refused(request, exc)
        if exc.status != 409:
            raise
        return await _page(request, token, failure=exc.message, status=409)
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Votre rendez-vous du {slot_when(done['starts_at'])} à l'{done['agency_name']} est "
            "annulé : la place est libérée. Un courriel va vous le confirmer."
        )
    )
    return RedirectResponse("/rendez-vous", status_code=303)


@router.post("/rendez-vous/gestion/deplacement", response_class=HTMLResponse)
async def reschedule(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token") or "")
    register_secret(token)
    slot = str(form.get("creneau") or "")
    if not slot:
        errors = {"creneau": "Choisissez le nouveau créneau."}
        return await _page(request, token, errors=errors, status=422)
    try:
        moved = await appointments(request).reschedule_by_link(token, slot)
    except ApiError as exc:
        if exc.status in _LINK_REFUSALS:
            return _link_refused(request, exc)
        if exc.status not in (409, 422):
            raise
        offers = exc.body.get("next_free_slots") if exc.kind == "slot-full" else None
        errors = {"creneau": exc.fields["starts_at"]} if "starts_at" in exc.fields else {}
        return await _page(
            request,
            token,
            errors=errors if offers is None else {},
            failure="" if errors and offers is None else exc.message,
            offers=offers if isinstance(offers, list) else None,
            status=exc.status,
        )
    new_token = token_of(moved["manage_url"])
    register_secret(new_token)
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Votre rendez-vous est déplacé au {slot_when(moved['starts_at'])}. Un courriel va "
            "vous le confirmer, avec un nouveau lien : celui du courriel précédent ne sert plus."
        )
    )
    return RedirectResponse(_manage_link(new_token), status_code=303)
