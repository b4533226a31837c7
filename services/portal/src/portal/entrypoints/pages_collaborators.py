"""One user of a firm, from « Gérer les comptes » (administrators): their rights changed,
their access suspended and reactivated, a new invitation sent to one who has not activated,
their removal after a confirmation. identity checks, at each call, that the caller is an
active administrator, and refuses leaving the firm without one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.apis import ApiError
from portal.entrypoints.firm_calls import (
    cabinet_of,
    firm_users,
    page_path,
    portfolios,
    redirect_with,
    service_words,
    users_path,
)
from portal.entrypoints.pages_cabinet import RIGHTS, USER_STATUSES
from portal.entrypoints.web import checked_form, portal_of, render, signed_in, with_token

router = APIRouter()
_REFUSALS = (403, 409, 422)


async def _user(request: Request, cabinet_id: str, account_id: str) -> dict[str, Any]:
    """One of the firm's users, as identity lists them; anyone else is the 404 page."""
    for user in await firm_users(request, cabinet_id):
        if user["account_id"] == account_id:
            return user
    raise ApiError(404, "cabinet-user-not-found", "Cet utilisateur est introuvable.")


async def _page(
    request: Request,
    cabinet_id: str,
    account_id: str,
    *,
    typed: list[str] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    user = await _user(request, cabinet_id, account_id)
    followed = [p for p in await portfolios(request, cabinet_id) if account_id in p["subscribers"]]
    return render(
        request,
        "collaborator.html",
        title=f"Gérer l'accès de {user['display_name'] or user['email']}"
        + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        user=user,
        followed=followed,
        rights=RIGHTS,
        statuses=USER_STATUSES,
        typed=user.get("rights", []) if typed is None else typed,
        errors=errors or {},
        failure=failure,
        is_me=account_id == (await signed_in(request)).account_id,
    )


@router.get("/comptes/{account_id}", response_class=HTMLResponse)
async def user_page(request: Request, account_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, cabinet_of(visit), account_id)


async def _change(
    request: Request,
    account_id: str,
    method: str,
    *parts: str,
    body: dict[str, Any] | None = None,
    done: str,
    typed: list[str] | None = None,
) -> Response:
    """A change sent to identity; its refusal (the last administrator, a state that does
    not allow it) shown on the user's page."""
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    identity = portal_of(request).identity
    path = users_path(cabinet_id, account_id, *parts)
    try:
        await with_token(request, lambda t: identity.call(method, path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in _REFUSALS:
            raise
        at_field = "rights" in exc.fields
        return await _page(
            request,
            cabinet_id,
            account_id,
            typed=typed,
            errors={"droits": exc.fields["rights"]} if at_field else None,
            failure="" if at_field else service_words(exc),
            status_code=exc.status,
        )
    return redirect_with(request, page_path("comptes", account_id), done)


def _name(user: dict[str, Any]) -> str:
    return str(user.get("display_name") or user.get("email") or "Cet utilisateur")


@router.post("/comptes/{account_id}/droits", response_class=HTMLResponse)
async def change_rights(request: Request, account_id: str) -> Response:
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    rights = [r for r in form.getlist("droits") if isinstance(r, str) and r in RIGHTS]
    user = await _user(request, cabinet_id, account_id)
    if not rights:
        return await _page(
            request,
            cabinet_id,
            account_id,
            typed=[],
            errors={"droits": "Choisissez au moins un droit."},
            status_code=422,
        )
    return await _change(
        request,
        account_id,
        "PUT",
        "rights",
        body={"rights": rights},
        done=f"Les droits de {_name(user)} sont changés. Ils valent dès sa prochaine "
        "connexion, et au plus tard dans 10 minutes pour une session ouverte.",
        typed=rights,
    )


@router.post("/comptes/{account_id}/suspension", response_class=HTMLResponse)
async def suspend(request: Request, account_id: str) -> Response:
    await checked_form(request)
    user = await _user(request, cabinet_of(await signed_in(request)), account_id)
    return await _change(
        request,
        account_id,
        "POST",
        "suspension",
        done=f"L'accès de {_name(user)} est suspendu : ses sessions sont fermées et il ne "
        "peut plus se connecter. Vous pouvez le réactiver à tout moment.",
    )


@router.post("/comptes/{account_id}/reactivation", response_class=HTMLResponse)
async def reactivate(request: Request, account_id: str) -> Response:
    await checked_form(request)
    user = await _user(request, cabinet_of(await signed_in(request)), account_id)
    return await _change(
        request,
        account_id,
        "POST",
        "reactivation",
        done=f"L'accès de {_name(user)} est réactivé.",
    )


@router.post("/comptes/{account_id}/invitation", response_class=HTMLResponse)
async def reinvite(request: Request, account_id: str) -> Response:
    """A new 24-hour link for a user who has not activated the account (the first one
    expired, or was lost)."""
    await checked_form(request)
    user = await _user(request, cabinet_of(await signed_in(request)), account_id)
    return await _change(
        request,
        account_id,
        "POST",
        "invitation",
        done=f"Une nouvelle invitation est envoyée à {user.get('email', '')} : le lien "
        "d'activation vaut 24 heures.",
    )


async def _removal(
    request: Request, user: dict[str, Any], *, failure: str = "", status_code: int = 200
) -> Response:
    back = page_path("comptes", user["account_id"])
    return render(
        request,
        "confirm.html",
        title=f"Retirer le compte de {_name(user)}" + (" — erreur" if failure else ""),
        status_code=status_code,
        heading=f"Retirer le compte de {_name(user)} ?",
        message="Son accès à l'espace du cabinet prend fin aussitôt : ses sessions sont "
        "fermées et il ne pourra plus se connecter. Pour lui rouvrir l'accès, il faudra "
        "l'inviter de nouveau.",
        action=back + "/retrait",
        button="Retirer le compte",
        back=back,
        back_label="Non, revenir au compte",
        failure=failure,
    )


@router.get("/comptes/{account_id}/retrait", response_class=HTMLResponse)
async def removal_page(request: Request, account_id: str) -> Response:
    visit = await signed_in(request)
    return await _removal(request, await _user(request, cabinet_of(visit), account_id))


@router.post("/comptes/{account_id}/retrait", response_class=HTMLResponse)
async def remove(request: Request, account_id: str) -> Response:
    await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    user = await _user(request, cabinet_id, account_id)
    identity = portal_of(request).identity
    path = users_path(cabinet_id, account_id)
    try:
        await with_token(request, lambda t: identity.call("DELETE", path, token=t))
    except ApiError as exc:
        if exc.status not in (403, 409):
            raise
        return await _removal(request, user, failure=service_words(exc), status_code=exc.status)
    return redirect_with(request, "/comptes", f"Le compte de {_name(user)} est retiré du cabinet.")
