"""One client of a firm: its page (« fiche »: the mandate's state, its portfolio, its history),
its move to another portfolio (administrators) and its removal, after a confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.entrypoints.firm_calls import (
    cabinet_of,
    clients_path,
    page_path,
    portfolios,
    redirect_with,
    service_words,
)
from portal.entrypoints.pages_cabinet import KEY_STATES
from portal.entrypoints.web import checked_form, portal_of, render, signed_in, with_token

router = APIRouter()
REMOVABLE_STATES = (*KEY_STATES, "locked", "active")
"""A pending or locked request is deleted (its key dies), an active mandate ended."""


async def _client(request: Request, cabinet_id: str, client_id: str) -> dict[str, Any]:
    api = portal_of(request).api("mandates")
    found: dict[str, Any] = await with_token(
        request, lambda t: api.get_json(clients_path(cabinet_id, client_id), token=t)
    )
    return found


async def _page(
    request: Request,
    visit: Visit,
    client_id: str,
    *,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    cabinet_id = cabinet_of(visit)
    client = await _client(request, cabinet_id, client_id)
    listed = await portfolios(request, cabinet_id)
    return render(
        request,
        "client.html",
        title=client["name"] + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        client=client,
        portfolio=next((p for p in listed if p["id"] == client.get("portfolio_id")), None),
        others=[p for p in listed if p["id"] != client.get("portfolio_id")],
        key_states=(*KEY_STATES, "locked"),
        removable=client.get("state") in REMOVABLE_STATES,
        may_move="admin" in visit.rights and client.get("state") not in ("ended", "deleted"),
        errors=errors or {},
        failure=failure,
    )


@router.get("/clients/{client_id}/fiche", response_class=HTMLResponse)
async def client_page(request: Request, client_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, client_id)


@router.post("/clients/{client_id}/portefeuille", response_class=HTMLResponse)
async def move(request: Request, client_id: str) -> Response:
    """The client moves to another portfolio: its subscribers see it, the old one's no more."""
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    target = str(form.get("portefeuille") or "")
    if not target:
        return await _page(
            request,
            visit,
            client_id,
            errors={"portefeuille": "Choisissez le portefeuille où ranger ce client."},
            status_code=422,
        )
    api = portal_of(request).api("mandates")
    path = clients_path(cabinet_id, client_id, "move")
    try:
        moved: dict[str, Any] = (
            await with_token(
                request,
                lambda t: api.call("POST", path, token=t, json={"portfolio_id": target}),
            )
        ).json()
    except ApiError as exc:
        if exc.status not in (403, 404, 409, 422) or (
            exc.status == 404 and exc.kind != "portfolio-not-found"
        ):
            raise
        field = {"portefeuille": service_words(exc)} if exc.status in (404, 422) else None
        return await _page(
            request,
            visit,
            client_id,
            errors=field,
            failure="" if field else service_words(exc),
            status_code=exc.status,
        )
    names = {p["id"]: p["name"] for p in await portfolios(request, cabinet_id)}
    where = names.get(str(moved.get("portfolio_id")), "le portefeuille choisi")
    return redirect_with(
        request,
        page_path("clients", client_id, "fiche"),
        f"{moved.get('name', 'Le client')} est rangé dans le portefeuille « {where} ».",
    )


def _removal_words(client: dict[str, Any]) -> tuple[str, str]:
    """What the confirmation says, by the client's state: a request dies, a mandate ends."""
    if client.get("state") == "active":
        return (
            f"Le mandat qui vous lie à {client['name']} prend fin aussitôt : son dossier ne "
            "vous est plus ouvert. Pour le suivre de nouveau, il faudra l'ajouter et saisir "
            "la clé d'un nouveau courrier.",
            "Mettre fin au mandat et retirer le client",
        )
    return (
        f"La demande de mandat de {client['name']} est supprimée et la clé d'activation de "
        "son courrier ne vaudra plus rien. Pour le suivre de nouveau, il faudra l'ajouter : "
        "un nouveau courrier lui sera envoyé.",
        "Supprimer le client",
    )


async def _confirmation(
    request: Request,
    client: dict[str, Any],
    *,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    message, button = _removal_words(client)
    back = page_path("clients", client["id"], "fiche")
    return render(
        request,
        "confirm.html",
        title=f"Retirer {client['name']} de vos clients" + (" — erreur" if failure else ""),
        status_code=status_code,
        heading=f"Retirer {client['name']} de vos clients ?",
        message=message,
        action=page_path("clients", client["id"], "suppression"),
        button=button,
        back=back,
        back_label="Non, revenir à la fiche du client",
        failure=failure,
    )


@router.get("/clients/{client_id}/suppression", response_class=HTMLResponse)
async def removal_page(request: Request, client_id: str) -> Response:
    visit = await signed_in(request)
    client = await _client(request, cabinet_of(visit), client_id)
    return await _confirmation(request, client)


@router.post("/clients/{client_id}/suppression", response_class=HTMLResponse)
async def remove(request: Request, client_id: str) -> Response:
    await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    client = await _client(request, cabinet_id, client_id)
    api = portal_of(request).api("mandates")
    path = clients_path(cabinet_id, client_id)
    try:
        await with_token(request, lambda t: api.call("DELETE", path, token=t))
    except ApiError as exc:
        if exc.status not in (403, 409):
            raise
        return await _confirmation(
            request, client, failure=service_words(exc), status_code=exc.status
        )
    return redirect_with(
        request, "/clients", f"{client['name']} ne fait plus partie de vos clients."
    )
