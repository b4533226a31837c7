"""« Portefeuilles et abonnés » (administrators): the firm's portfolios with their clients and
subscribers; « Créer un nouveau portefeuille », renaming, deleting an empty one (after a
confirmation), « Ajouter un abonné » and removing one, and the transfer of a portfolio to
another administrator. mandates decides who may (administrators) and what is refused (the
default portfolio, one that still has clients); identity lists the firm's users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.apis import ApiError
from portal.entrypoints.firm_calls import (
    cabinet_of,
    firm_users,
    names_of,
    page_path,
    portfolios,
    portfolios_path,
    redirect_with,
    service_words,
)
from portal.entrypoints.web import (
    checked_form,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
NAME_MAX = 120
_REFUSALS = (403, 404, 409, 422)


def _name_error(name: str) -> str | None:
    if not name:
        return "Saisissez le nom du portefeuille."
    if len(name) > NAME_MAX:
        return f"Le nom du portefeuille tient en {NAME_MAX} caractères au plus."
    return None


async def _list_page(
    request: Request,
    cabinet_id: str,
    *,
    typed: str = "",
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    users = await firm_users(request, cabinet_id)  # identity refuses whoever is not admin
    listed = await portfolios(request, cabinet_id)
    return render(
        request,
        "portfolios.html",
        title="Portefeuilles et abonnés" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        portfolios=listed,
        names=names_of(users),
        administrators=[u for u in users if "admin" in u.get("rights", [])],
        typed=typed,
        errors=errors or {},
        failure=failure,
    )


@router.get("/portefeuilles", response_class=HTMLResponse)
async def portfolios_page(request: Request) -> Response:
    visit = await signed_in(request)
    return await _list_page(request, cabinet_of(visit))


@router.post("/portefeuilles", response_class=HTMLResponse)
async def create(request: Request) -> Response:
    """« Créer un nouveau portefeuille »: its creator is its responsible."""
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    name = str(form.get("nom") or "").strip()
    wrong = _name_error(name)
    if wrong:
        return await _list_page(
            request, cabinet_id, typed=name, errors={"nom": wrong}, status_code=422
        )
    api = portal_of(request).api("mandates")
    try:
        created: dict[str, Any] = (
            await with_token(
                request,
                lambda t: api.call(
                    "POST", portfolios_path(cabinet_id), token=t, json={"name": name}
                ),
            )
        ).json()
    except ApiError as exc:
        if exc.status not in _REFUSALS:
            raise
        field = exc.status in (409, 422)
        return await _list_page(
            request,
            cabinet_id,
            typed=name,
            errors={"nom": service_words(exc)} if field else None,
            failure="" if field else service_words(exc),
            status_code=exc.status,
        )
    return redirect_with(
        request,
        page_path("portefeuilles", str(created["id"])),
        f"Le portefeuille « {created['name']} » est créé. Ajoutez-lui des abonnés : eux seuls, "
        "avec les administrateurs, verront ses clients.",
    )


async def _portfolio_page(
    request: Request,
    cabinet_id: str,
    portfolio_id: str,
    *,
    typed: str | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    users = await firm_users(request, cabinet_id)
    portfolio = await _portfolio(request, cabinet_id, portfolio_id)
    names = names_of(users)
    subscribed = set(portfolio.get("subscribers") or [])
    return render(
        request,
        "portfolio.html",
        title=f"Portefeuille {portfolio['name']}" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        portfolio=portfolio,
        names=names,
        subscribers=sorted(subscribed, key=lambda a: (names.get(a) or a).lower()),
        candidates=[u for u in users if u["account_id"] not in subscribed],
        transferees=[
            u
            for u in users
            if "admin" in u.get("rights", [])
            and u.get("status") == "active"
            and u["account_id"] != portfolio.get("owner_account_id")
        ],
        typed=portfolio["name"] if typed is None else typed,
        errors=errors or {},
        failure=failure,
    )


async def _portfolio(request: Request, cabinet_id: str, portfolio_id: str) -> dict[str, Any]:
    """One portfolio, as the list shows it (mandates has no page of one); a portfolio not
    seen is the 404 page."""
    for found in await portfolios(request, cabinet_id):
        if found["id"] == portfolio_id:
            return found
    raise ApiError(404, "portfolio-not-found", "Ce portefeuille est introuvable.")


@router.get("/portefeuilles/{portfolio_id}", response_class=HTMLResponse)
async def portfolio_page(request: Request, portfolio_id: str) -> Response:
    visit = await signed_in(request)
    return await _portfolio_page(request, cabinet_of(visit), portfolio_id)


async def _change(
    request: Request,
    portfolio_id: str,
    method: str,
    *parts: str,
    body: dict[str, Any] | None = None,
    done: str,
    field: str = "",
    typed: str | None = None,
) -> Response:
    """A change of the portfolio sent to mandates; its refusal shown on the portfolio's page
    (at ``field`` when it is about what was typed there)."""
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    api = portal_of(request).api("mandates")
    path = portfolios_path(cabinet_id, portfolio_id, *parts)
    try:
        await with_token(request, lambda t: api.call(method, path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in _REFUSALS or (exc.status == 404 and exc.kind != "user-not-found"):
            raise
        at_field = bool(field) and exc.status in (409, 422) and exc.kind != "concurrent-change"
        return await _portfolio_page(
            request,
            cabinet_id,
            portfolio_id,
            typed=typed,
            errors={field: service_words(exc)} if at_field else None,
            failure="" if at_field else service_words(exc),
            status_code=exc.status,
        )
    return redirect_with(request, page_path("portefeuilles", portfolio_id), done)


@router.post("/portefeuilles/{portfolio_id}/nom", response_class=HTMLResponse)
async def rename(request: Request, portfolio_id: str) -> Response:
    form = await checked_form(request)
    visit = await signed_in(request)
    name = str(form.get("nom") or "").strip()
    wrong = _name_error(name)
    if wrong:
        return await _portfolio_page(
            request,
            cabinet_of(visit),
            portfolio_id,
            typed=name,
            errors={"nom": wrong},
            status_code=422,
        )
    return await _change(
        request,
        portfolio_id,
        "PATCH",
        body={"name": name},
        done=f"Le portefeuille s'appelle désormais « {name} ».",
        field="nom",
        typed=name,
    )


async def _chosen_user(request: Request, form_value: object) -> tuple[str, str]:
    """The account chosen in a form's list of the firm's users, and its name."""
    visit = await signed_in(request)
    account_id = str(form_value or "")
    names = names_of(await firm_users(request, cabinet_of(visit))) if account_id else {}
    return account_id, names.get(account_id, "")


@router.post("/portefeuilles/{portfolio_id}/abonnes", response_class=HTMLResponse)
async def subscribe(request: Request, portfolio_id: str) -> Response:
    """« Ajouter un abonné »: the collaborator sees the portfolio's clients from now on."""
    form = await checked_form(request)
    visit = await signed_in(request)
    account_id, name = await _chosen_user(request, form.get("abonne"))
    if not name:
        return await _portfolio_page(
            request,
            cabinet_of(visit),
            portfolio_id,
            errors={"abonne": "Choisissez l'utilisateur à abonner au portefeuille."},
            status_code=422,
        )
    return await _change(
        request,
        portfolio_id,
        "PUT",
        "subscribers",
        account_id,
        done=f"{name} est abonné au portefeuille : il en voit les clients.",
    )


@router.post(
    "/portefeuilles/{portfolio_id}/abonnes/{account_id}/retrait", response_class=HTMLResponse
)
async def unsubscribe(request: Request, portfolio_id: str, account_id: str) -> Response:
    await checked_form(request)
    _, name = await _chosen_user(request, account_id)
    return await _change(
        request,
        portfolio_id,
        "DELETE",
        "subscribers",
        account_id,
        done=f"{name or 'Cet utilisateur'} n'est plus abonné au portefeuille : il n'en voit "
        "plus les clients.",
    )


@router.post("/portefeuilles/{portfolio_id}/transfert", response_class=HTMLResponse)
async def transfer(request: Request, portfolio_id: str) -> Response:
    """The responsible changes: the portfolio goes to another administrator, its mandates
    stay active, no key is entered again."""
    form = await checked_form(request)
    visit = await signed_in(request)
    account_id, name = await _chosen_user(request, form.get("responsable"))
    if not name:
        return await _portfolio_page(
            request,
            cabinet_of(visit),
            portfolio_id,
            errors={"responsable": "Choisissez l'administrateur qui reprend le portefeuille."},
            status_code=422,
        )
    return await _change(
        request,
        portfolio_id,
        "POST",
        "transfer",
        body={"to_account_id": account_id},
        done=f"Le portefeuille est transféré à {name}, qui en est désormais responsable ; ses "
        "mandats restent actifs.",
    )


async def _deletion(
    request: Request, portfolio: dict[str, Any], *, failure: str = "", status_code: int = 200
) -> Response:
    back = page_path("portefeuilles", portfolio["id"])
    return render(
        request,
        "confirm.html",
        title=f"Supprimer le portefeuille {portfolio['name']}" + (" — erreur" if failure else ""),
        status_code=status_code,
        heading=f"Supprimer le portefeuille « {portfolio['name']} » ?",
        message="Ses abonnés en sont désabonnés. Seul un portefeuille vide, qui n'est pas le "
        "portefeuille par défaut du cabinet, peut être supprimé.",
        action=back + "/suppression",
        button="Supprimer le portefeuille",
        back=back,
        back_label="Non, revenir au portefeuille",
        failure=failure,
    )


@router.get("/portefeuilles/{portfolio_id}/suppression", response_class=HTMLResponse)
async def deletion_page(request: Request, portfolio_id: str) -> Response:
    visit = await signed_in(request)
    return await _deletion(request, await _portfolio(request, cabinet_of(visit), portfolio_id))


@router.post("/portefeuilles/{portfolio_id}/suppression", response_class=HTMLResponse)
async def delete(request: Request, portfolio_id: str) -> Response:
    await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    portfolio = await _portfolio(request, cabinet_id, portfolio_id)
    api = portal_of(request).api("mandates")
    path = portfolios_path(cabinet_id, portfolio_id)
    try:
        await with_token(request, lambda t: api.call("DELETE", path, token=t))
    except ApiError as exc:
        if exc.status not in (403, 409):
            raise
        return await _deletion(
            request, portfolio, failure=service_words(exc), status_code=exc.status
        )
    return redirect_with(
        request, "/portefeuilles", f"Le portefeuille « {portfolio['name']} » est supprimé."
    )
