"""What a firm's pages share: the firm of the signed-in user, the paths of mandates' and
identity's apis under it, the portfolios and users it reads, and an answer by redirection
with a message for the next page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.entrypoints.web import NotForThisActor, holder_of, portal_of, with_token


def cabinet_of(visit: Visit) -> str:
    """The signed-in user's firm; anyone else gets the 403 page."""
    if not visit.is_cabinet_user or not visit.cabinet_id:
        raise NotForThisActor("Cette page est réservée aux cabinets d'expertise comptable.")
    return visit.cabinet_id


def _under(root: str, cabinet_id: str, parts: tuple[str, ...]) -> str:
    path = f"/v1/cabinets/{quote(cabinet_id, safe='')}/{root}"
    return path + "".join("/" + quote(part, safe="") for part in parts)


def clients_path(cabinet_id: str, *parts: str) -> str:
    """mandates' ``/v1/cabinets/{cab}/clients[/…]``, each part quoted."""
    return _under("clients", cabinet_id, parts)


def portfolios_path(cabinet_id: str, *parts: str) -> str:
    return _under("portfolios", cabinet_id, parts)


def imports_path(cabinet_id: str, *parts: str) -> str:
    return _under("imports", cabinet_id, parts)


def users_path(cabinet_id: str, *parts: str) -> str:
    """identity's ``/v1/cabinets/{cab}/users[/…]``."""
    return _under("users", cabinet_id, parts)


def page_path(*parts: str) -> str:
    """A page of the site, each part quoted (``page_path("clients", id, "fiche")``)."""
    return "".join("/" + quote(part, safe="") for part in parts)


def service_words(exc: ApiError) -> str:
    """A refusal in the service's own words: its problem's ``detail`` (mandates and identity
    write them in French, with or without accents: « Le fichier est vide. »), else the
    portal's sentence."""
    detail = exc.body.get("detail")
    if exc.status in (403, 404, 409, 422) and "type" in exc.body and isinstance(detail, str):
        return detail.strip() or exc.message
    return exc.message


def redirect_with(request: Request, path: str, message: str) -> RedirectResponse:
    """303 to ``path``, ``message`` shown at the top of that page."""
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(message))
    return RedirectResponse(path, status_code=303)


async def portfolios(request: Request, cabinet_id: str) -> list[dict[str, Any]]:
    """The portfolios the user sees (administrators: all), each with its subscribers and its
    count of open clients, the default one first, then by name."""
    api = portal_of(request).api("mandates")
    found: list[dict[str, Any]] = await with_token(
        request, lambda t: api.get_json(portfolios_path(cabinet_id), token=t)
    )
    return sorted(found, key=lambda p: (not p.get("is_default"), str(p.get("name", "")).lower()))


async def firm_users(request: Request, cabinet_id: str) -> list[dict[str, Any]]:
    """The firm's users as identity lists them (administrators only: identity checks it)."""
    identity = portal_of(request).identity
    found: list[dict[str, Any]] = await with_token(
        request, lambda t: identity.get_json(users_path(cabinet_id), token=t)
    )
    return found


def names_of(users: list[dict[str, Any]]) -> dict[str, str]:
    """Each user's name by account id (their e-mail when they have no name)."""
    return {u["account_id"]: u.get("display_name") or u.get("email", "") for u in users}
