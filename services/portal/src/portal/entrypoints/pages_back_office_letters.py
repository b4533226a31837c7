"""« Lettres mortes » for agents: the messages each service's workers gave up (the operators'
routes every api serves to agents, servicekit's README), and their replay after a
confirmation.

A replay is of one consumed topic: the dead letters of ``<topic>.<service>.dlq`` go back to
``<topic>`` oldest first, at most as many as asked — « la plus ancienne » (1) or the whole
topic. The api records the request; the service's worker carries it out within seconds and
marks the letters replayed, so the page shows the request's state by its id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.bootstrap import SERVICES
from portal.domain import back_office
from portal.entrypoints.pages_back_office import agent_signed_in, in_their_words
from portal.entrypoints.web import checked_form, holder_of, portal_of, render, with_token

router = APIRouter()

LETTERS_PATH = "/gestion/lettres-mortes"
SHOWN_PER_SERVICE = 100
_AMOUNTS = {"un": 1, "tout": back_office.REPLAY_ALL}


async def _letters_of(request: Request, service: str) -> dict[str, Any]:
    """One service's dead letters not replayed yet, by topic; or why they cannot be read."""
    api = portal_of(request).api(service)
    try:
        found = await with_token(
            request,
            lambda t: api.get_json(
                "/v1/operator/dead-letters", token=t, replayed="false", limit=SHOWN_PER_SERVICE
            ),
        )
    except ApiError as exc:
        if exc.status == 401:
            raise
        return {
            "service": service,
            "label": back_office.service_title(service),
            "failure": exc.message,
        }
    items: list[dict[str, Any]] = list(found.get("items") or [])
    return {
        "service": service,
        "label": back_office.service_title(service),
        "count": len(items),
        "more": bool(found.get("next_cursor")),
        "topics": back_office.by_topic(items),
        "failure": "",
    }


async def _replay_state(request: Request, service: str, replay_id: str) -> dict[str, Any] | None:
    if service not in SERVICES or not replay_id:
        return None
    api = portal_of(request).api(service)
    path = f"/v1/operator/dlq-replays/{quote(replay_id, safe='')}"
    try:
        found: dict[str, Any] = await with_token(request, lambda t: api.get_json(path, token=t))
    except ApiError as exc:
        if exc.status == 401:
            raise
        return {
            "service": service,
            "label": back_office.service_title(service),
            "failure": exc.message,
        }
    return {"service": service, "label": back_office.service_title(service), "failure": "", **found}


@router.get(LETTERS_PATH, response_class=HTMLResponse)
async def letters_page(request: Request, service: str = "", rejeu: str = "") -> Response:
    await agent_signed_in(request)
    services = [await _letters_of(request, name) for name in SERVICES]
    return render(
        request,
        "back_office_letters.html",
        title="Lettres mortes",
        services=services,
        replay=await _replay_state(request, service, rejeu[:100]),
        replay_states=back_office.REPLAY_STATES,
        letters_path=LETTERS_PATH,
    )


@router.get(LETTERS_PATH + "/rejeu", response_class=HTMLResponse)
async def confirm_page(
    request: Request, service: str = "", sujet: str = "", nombre: str = "un"
) -> Response:
    """The confirmation step before a replay (a link from the list, so it works without
    JavaScript); the replay itself is the form it shows."""
    await agent_signed_in(request)
    if service not in SERVICES or not sujet or nombre not in _AMOUNTS:
        return RedirectResponse(LETTERS_PATH, status_code=303)
    letters = await _letters_of(request, service)
    topic = next((t for t in letters.get("topics") or [] if t.topic == sujet), None)
    return render(
        request,
        "back_office_replay.html",
        title="Rejouer des lettres mortes",
        service=service,
        label=back_office.service_title(service),
        topic=sujet,
        letters=topic.letters if topic else [],
        amount=nombre,
        failure=letters.get("failure", ""),
        letters_path=LETTERS_PATH,
    )


@router.post(LETTERS_PATH + "/rejeu", response_class=HTMLResponse)
async def replay(request: Request) -> Response:
    await agent_signed_in(request)
    form = await checked_form(request)
    service = str(form.get("service") or "")
    topic = str(form.get("sujet") or "")[:200]
    amount = str(form.get("nombre") or "")
    if service not in SERVICES or not topic or amount not in _AMOUNTS:
        holder = holder_of(request)
        holder.set(holder.visit.with_flash("Choisissez dans la liste les lettres à rejouer."))
        return RedirectResponse(LETTERS_PATH, status_code=303)
    api = portal_of(request).api(service)
    body = {"topic": topic, "limit": _AMOUNTS[amount]}
    try:
        answer = await with_token(
            request, lambda t: api.call("POST", "/v1/operator/dlq-replays", token=t, json=body)
        )
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return render(
            request,
            "back_office_replay.html",
            title="Rejouer des lettres mortes — refusé",
            status_code=exc.status,
            service=service,
            label=back_office.service_title(service),
            topic=topic,
            letters=[],
            amount=amount,
            failure=in_their_words(exc),
            letters_path=LETTERS_PATH,
        )
    asked: dict[str, Any] = answer.json()
    if amount == "un":
        which, back = "la plus ancienne lettre morte", "la remet dans son sujet d'origine"
    else:
        which, back = "les lettres mortes", "les remet dans leur sujet d'origine"
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Rejeu demandé pour {which} du sujet {topic}, service "
            f"{back_office.service_title(service)} : le traitement des messages du service "
            f"{back} dans quelques secondes."
        )
    )
    query = urlencode({"service": service, "rejeu": asked.get("replay_id", "")})
    return RedirectResponse(f"{LETTERS_PATH}?{query}", status_code=303)
