"""« Historique des versements de pension »: a pensioner's payments as the pension fund's feed
gave them to attestations, newest first, and the way to the attestation fiscale.

An assuré reads its own at ``/versements-de-pension``; a firm user a client's at
``/dossiers/{affiliate_id}/versements-de-pension`` (attestations decides whether the mandate
allows it, as for the client's attestations).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from portal.domain import pensions
from portal.domain.visit import Visit
from portal.entrypoints.web import NotForThisActor, portal_of, render, signed_in, with_token

router = APIRouter()


def pension_history_offered(visit: Visit, listed: list[dict[str, Any]]) -> bool:
    """Whether « Mon compte » links to the history (beside the téléservices identity lists):
    a pensioner's only."""
    return pensions.offered(visit.access_token, (str(t.get("code")) for t in listed))


@router.get(pensions.PAGE, response_class=HTMLResponse)
async def my_pension_payments(request: Request) -> Response:
    visit = await signed_in(request)
    if not visit.is_assure or not visit.affiliate_id:
        raise NotForThisActor(
            "L'historique des versements de pension est réservé aux assurés retraités. Un "
            "cabinet ouvre celui d'un client depuis le dossier de ce client."
        )
    return await _page(request, visit, visit.affiliate_id)


@router.get("/dossiers/{affiliate_id}" + pensions.PAGE, response_class=HTMLResponse)
async def client_pension_payments(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, affiliate_id)


async def _page(request: Request, visit: Visit, affiliate_id: str) -> Response:
    api = portal_of(request).api("attestations")
    quoted = quote(affiliate_id, safe="")
    path = f"/v1/affiliates/{quoted}/pension-payments"
    paid: dict[str, Any] = await with_token(request, lambda t: api.get_json(path, token=t))
    # newest first, as attestations lists them (kept so, whatever order it may answer in)
    items = sorted(paid.get("items", []), key=lambda p: str(p.get("paid_on")), reverse=True)
    return render(
        request,
        "pension_payments.html",
        title=pensions.LABEL if visit.is_assure else f"{pensions.LABEL} du client",
        items=items,
        attestations="/attestations" if visit.is_assure else f"/dossiers/{quoted}/attestations",
        month_words=pensions.month_words,
    )
