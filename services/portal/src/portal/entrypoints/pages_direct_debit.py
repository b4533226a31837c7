"""The direct-debit mandate in force (« Adhérer au prélèvement automatique »'s page): another
account debited (« Changer de compte ») and « Mettre fin au prélèvement automatique » after a
confirmation page. cotisations says from which due date each applies (``effective_from``: a
debit nearer than the notice stays with the mandate in force) and refuses in French an IBAN,
a BIC not of the IBAN's bank, or an account with no mandate.

An assuré acts at ``/cotisations/prelevement/…``; a firm user for a client at
``/dossiers/{affiliate_id}/cotisations/prelevement/…`` — cotisations decides whether the
mandate and the ``pay`` right allow it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.domain.wording import french_date
from portal.entrypoints.pages_cotisations import base_of, own_dossier
from portal.entrypoints.pages_payment_terms import send_mandate
from portal.entrypoints.web import (
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()


def _path(affiliate_id: str) -> str:
    return f"/v1/accounts/{quote(affiliate_id, safe='')}/direct-debit"


@router.post("/cotisations/prelevement/compte", response_class=HTMLResponse)
async def change_account(request: Request) -> Response:
    visit = await signed_in(request)
    return await send_mandate(request, visit, own_dossier(visit), changing=True)


@router.post("/dossiers/{affiliate_id}/cotisations/prelevement/compte", response_class=HTMLResponse)
async def client_change_account(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await send_mandate(request, visit, affiliate_id, changing=True)


async def _end_page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    api = portal_of(request).api("cotisations")
    path = _path(affiliate_id)
    debit = await with_token(request, lambda t: api.get_json(path, token=t))
    return render(
        request,
        "direct_debit_end.html",
        title="Mettre fin au prélèvement automatique" + (" — erreur" if failure else ""),
        status_code=status_code,
        debit=debit,
        failure=failure,
        base=base_of(visit, affiliate_id),
    )


@router.get("/cotisations/prelevement/fin", response_class=HTMLResponse)
async def end_page(request: Request) -> Response:
    visit = await signed_in(request)
    return await _end_page(request, visit, own_dossier(visit))


@router.get("/dossiers/{affiliate_id}/cotisations/prelevement/fin", response_class=HTMLResponse)
async def client_end_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _end_page(request, visit, affiliate_id)


@router.post("/cotisations/prelevement/fin", response_class=HTMLResponse)
async def end(request: Request) -> Response:
    visit = await signed_in(request)
    return await _end(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/prelevement/fin", response_class=HTMLResponse)
async def client_end(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _end(request, visit, affiliate_id)


async def _end(request: Request, visit: Visit, affiliate_id: str) -> Response:
    await checked_form(request)
    api = portal_of(request).api("cotisations")
    path = _path(affiliate_id)
    try:
        answer = await with_token(request, lambda t: api.call("DELETE", path, token=t))
    except ApiError as exc:
        if exc.status != 409:  # no mandate in force (ended meanwhile): in cotisations' words
            raise
        return await _end_page(
            request, visit, affiliate_id, failure=exc.message, status_code=exc.status
        )
    ended: dict[str, Any] = answer.json()
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            "Le prélèvement automatique prend fin : plus rien n'est prélevé à partir de "
            f"l'échéance du {french_date(ended.get('effective_from'))} ; celles d'ici là "
            "restent prélevées."
        )
    )
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)
