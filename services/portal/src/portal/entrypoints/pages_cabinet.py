"""A firm's pages: its clients (paginated, searchable, filtered, sorted), « Ajouter un client »,
« Saisir la clé d'activation » and « Gérer les comptes »."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.firm import CLIENT_SORTS, CLIENT_STATE_FILTERS, DEFAULT_SORT
from portal.domain.visit import Visit
from portal.entrypoints.firm_calls import cabinet_of, portfolios
from portal.entrypoints.web import (
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
KEY_STATES = ("requested", "letter_sent")
RIGHTS = {
    "admin": "Administrateur : gère les comptes et les portefeuilles",
    "clients": "Clients : ajoute, importe, supprime des clients et saisit les clés",
    "declare": "Déclarations : estimations et déclarations de revenus",
    "pay": "Paiements : paiements, prélèvements, délais",
    "read": "Consultation",
}
USER_STATUSES = {
    "pending": "Invitation envoyée",
    "active": "Actif",
    "suspended": "Suspendu",
    "deactivated": "Désactivé",
}


def _cabinet(visit: Visit) -> str:
    return cabinet_of(visit)


def _clients_path(cabinet_id: str) -> str:
    return f"/v1/cabinets/{quote(cabinet_id, safe='')}/clients"


@router.get("/clients", response_class=HTMLResponse)
async def clients(
    request: Request,
    q: str = "",
    page: int = 1,
    portefeuille: str = "",
    tri: str = DEFAULT_SORT,
    etat: str = "",
) -> Response:
    """« Mes clients »: searched by name or SIREN, filtered by portfolio and by the mandate's
    state (those followed by default), sorted, paginated."""
    visit = await signed_in(request)
    cabinet_id = _cabinet(visit)
    size = portal_of(request).settings.page_size
    page = max(1, page)
    q = q.strip()[:100]
    tri = tri if tri in CLIENT_SORTS else DEFAULT_SORT
    etat = etat if etat in CLIENT_STATE_FILTERS else ""
    listed_portfolios = await portfolios(request, cabinet_id)
    names = {p["id"]: p["name"] for p in listed_portfolios}
    portefeuille = portefeuille if portefeuille in names else ""
    api = portal_of(request).api("mandates")
    query: dict[str, Any] = {
        "q": q,
        "page": page,
        "size": size,
        "sort": tri,
        "state": list(CLIENT_STATE_FILTERS[etat][1]),
        "portfolio_id": portefeuille or None,
    }
    listed: dict[str, Any] = await with_token(
        request, lambda t: api.get_json(_clients_path(cabinet_id), token=t, **query)
    )
    total = int(listed.get("total", 0))
    pages = max(1, math.ceil(total / size))
    chosen = {"q": q, "portefeuille": portefeuille, "etat": etat}
    chosen["tri"] = "" if tri == DEFAULT_SORT else tri

    def page_link(n: int) -> str:
        return "/clients?" + urlencode({**{k: v for k, v in chosen.items() if v}, "page": n})

    return render(
        request,
        "clients.html",
        title="Mes clients" + (f" — page {page} sur {pages}" if pages > 1 else ""),
        items=listed.get("items", []),
        total=total,
        page=page,
        pages=pages,
        q=q,
        previous_link=page_link(page - 1) if page > 1 else None,
        next_link=page_link(page + 1) if page < pages else None,
        key_states=KEY_STATES,
        can_enter_keys="clients" in visit.rights or "admin" in visit.rights,
        portfolios=listed_portfolios,
        portfolio_names=names,
        portfolio_id=portefeuille,
        sorts=CLIENT_SORTS,
        sort=tri,
        state_filters=CLIENT_STATE_FILTERS,
        state_filter=etat,
    )


@router.get("/clients/ajouter", response_class=HTMLResponse)
async def add_page(request: Request) -> Response:
    _cabinet(await signed_in(request))
    return render(request, "client_add.html", title="Ajouter un client", typed={}, errors={})


_ADD_FIELDS = {"identifier": "identifiant", "name": "nom", "nir": "nir"}


@router.post("/clients/ajouter", response_class=HTMLResponse)
async def add(request: Request) -> Response:
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = _cabinet(visit)
    typed = {k: str(form.get(k) or "").strip() for k in ("identifiant", "nom", "nir")}
    errors: dict[str, str] = {}
    if not typed["identifiant"]:
        errors["identifiant"] = (
            "Saisissez le SIREN (9 chiffres) ou le SIRET (14 chiffres) du client."
        )
    if not typed["nom"]:
        errors["nom"] = "Saisissez le nom ou la raison sociale du client."
    failure = ""
    status = 422
    if not errors:
        body: dict[str, Any] = {
            "identifier": typed["identifiant"].replace(" ", ""),
            "name": typed["nom"],
        }
        if typed["nir"]:
            body["nir"] = typed["nir"]
        api = portal_of(request).api("mandates")
        try:
            await with_token(
                request,
                lambda t: api.call("POST", _clients_path(cabinet_id), token=t, json=body),
            )
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors = {
                _ADD_FIELDS[name]: message
                for name, message in exc.fields.items()
                if name in _ADD_FIELDS
            }
            if not errors:
                failure, status = exc.message, exc.status
        else:
            holder = holder_of(request)
            holder.set(
                holder.visit.with_flash(
                    f"{typed['nom']} est ajouté : sa clé d'activation lui est envoyée par "
                    "courrier, à l'adresse que connaît l'organisme."
                )
            )
            return RedirectResponse("/clients", status_code=303)
    return render(
        request,
        "client_add.html",
        title="Ajouter un client — erreur",
        status_code=status,
        typed=typed,
        errors=errors,
        failure=failure,
    )


async def _client(request: Request, cabinet_id: str, client_id: str) -> dict[str, Any]:
    api = portal_of(request).api("mandates")
    path = f"{_clients_path(cabinet_id)}/{quote(client_id, safe='')}"
    found: dict[str, Any] = await with_token(request, lambda t: api.get_json(path, token=t))
    return found


@router.get("/clients/{client_id}/cle", response_class=HTMLResponse)
async def key_page(request: Request, client_id: str) -> Response:
    visit = await signed_in(request)
    client = await _client(request, _cabinet(visit), client_id)
    return render(request, "key.html", title="Saisir la clé d'activation", client=client)


@router.post("/clients/{client_id}/cle", response_class=HTMLResponse)
async def enter_key(request: Request, client_id: str) -> Response:
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = _cabinet(visit)
    key = str(form.get("cle") or "").strip()
    if not key:
        client = await _client(request, cabinet_id, client_id)
        return render(
            request,
            "key.html",
            title="Saisir la clé d'activation — erreur",
            status_code=422,
            client=client,
            errors={"cle": "Saisissez la clé reçue par votre client, telle qu'imprimée."},
        )
    api = portal_of(request).api("mandates")
    path = f"{_clients_path(cabinet_id)}/{quote(client_id, safe='')}/activation"
    try:
        await with_token(request, lambda t: api.call("POST", path, token=t, json={"key": key}))
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        client = await _client(request, cabinet_id, client_id)
        return render(
            request,
            "key.html",
            title="Saisir la clé d'activation — erreur",
            status_code=exc.status,
            client=client,
            errors={"cle": exc.fields.get("key") or exc.message},
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash("Clé acceptée : le mandat est actif, le dossier vous est ouvert.")
    )
    return RedirectResponse("/clients", status_code=303)


@router.post("/clients/{client_id}/nouvelle-cle")
async def reissue_key(request: Request, client_id: str) -> Response:
    """A lost letter: a new key posted, the old one dead, the attempts counted anew."""
    await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = _cabinet(visit)
    api = portal_of(request).api("mandates")
    path = f"{_clients_path(cabinet_id)}/{quote(client_id, safe='')}/key"
    await with_token(request, lambda t: api.call("POST", path, token=t))
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            "Une nouvelle clé part par courrier chez votre client ; l'ancienne ne vaut plus rien."
        )
    )
    return RedirectResponse(f"/clients/{quote(client_id, safe='')}/cle", status_code=303)


def _users_path(cabinet_id: str) -> str:
    return f"/v1/cabinets/{quote(cabinet_id, safe='')}/users"


async def _accounts_page(
    request: Request,
    cabinet_id: str,
    *,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    identity = portal_of(request).identity
    users = await with_token(request, lambda t: identity.get_json(_users_path(cabinet_id), token=t))
    return render(
        request,
        "accounts.html",
        title="Gérer les comptes" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        users=users,
        rights=RIGHTS,
        statuses=USER_STATUSES,
        typed=typed or {"droits": ["read"]},
        errors=errors or {},
        failure=failure,
    )


@router.get("/comptes", response_class=HTMLResponse)
async def accounts(request: Request) -> Response:
    """« Gérer les comptes »: the firm's users (identity decides who may see them: admins)."""
    visit = await signed_in(request)
    return await _accounts_page(request, _cabinet(visit))


_INVITE_FIELDS = {
    "first_name": "prenom",
    "last_name": "nom",
    "email": "courriel",
    "rights": "droits",
}


@router.post("/comptes", response_class=HTMLResponse)
async def invite(request: Request) -> Response:
    """« Ajouter un compte »: a collaborator invited, who activates within 24 hours."""
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = _cabinet(visit)
    typed: dict[str, Any] = {
        k: str(form.get(k) or "").strip() for k in ("prenom", "nom", "courriel")
    }
    typed["droits"] = [r for r in form.getlist("droits") if isinstance(r, str) and r in RIGHTS]
    errors: dict[str, str] = {}
    if not typed["prenom"]:
        errors["prenom"] = "Saisissez le prénom du collaborateur."
    if not typed["nom"]:
        errors["nom"] = "Saisissez le nom du collaborateur."
    if not typed["courriel"]:
        errors["courriel"] = "Saisissez l'adresse électronique du collaborateur."
    if not typed["droits"]:
        errors["droits"] = "Choisissez au moins un droit."
    if errors:
        return await _accounts_page(
            request, cabinet_id, typed=typed, errors=errors, status_code=422
        )
    body = {
        "first_name": typed["prenom"],
        "last_name": typed["nom"],
        "email": typed["courriel"],
        "rights": typed["droits"],
    }
    identity = portal_of(request).identity
    try:
        await with_token(
            request, lambda t: identity.call("POST", _users_path(cabinet_id), token=t, json=body)
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        errors = {
            _INVITE_FIELDS[name]: message
            for name, message in exc.fields.items()
            if name in _INVITE_FIELDS
        }
        return await _accounts_page(
            request,
            cabinet_id,
            typed=typed,
            errors=errors,
            failure="" if errors else exc.message,
            status_code=exc.status,
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"{typed['prenom']} {typed['nom']} est invité : le lien d'activation, valable "
            "24 heures, lui est envoyé par courriel."
        )
    )
    return RedirectResponse("/comptes", status_code=303)
