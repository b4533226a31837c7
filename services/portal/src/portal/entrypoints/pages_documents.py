"""« Mes attestations »: the list (a page at a time, newest first), a new one asked for, the
PDF; and the public verification of an attestation by its security code (no sign-in)."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.domain.wording import ATTESTATION_KINDS
from portal.entrypoints.web import (
    NotForThisActor,
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
_CODE = re.compile(r"^[A-Za-z0-9 \-]{4,40}$")
_DIGITS = re.compile(r"[0-9]+")
_LAST_PAGE = 100_000
"""The last page attestations serves (its ``page`` parameter's bound)."""


def _own_dossier(visit: Visit) -> str:
    if not visit.is_assure or not visit.affiliate_id:
        raise NotForThisActor(
            "« Mes attestations » est réservé aux assurés. Un cabinet ouvre les attestations "
            "d'un client depuis la liste de ses clients."
        )
    return visit.affiliate_id


def _base(visit: Visit, affiliate_id: str) -> str:
    if visit.is_assure:
        return "/attestations"
    return f"/dossiers/{quote(affiliate_id, safe='')}/attestations"


def _page_asked(request: Request) -> int:
    """The ``?page=`` of the address, brought within bounds: a page that is no number, or
    below 1, is the first."""
    typed = request.query_params.get("page", "").strip()
    digits = typed.lstrip("0") if _DIGITS.fullmatch(typed) else ""
    if not digits:
        return 1
    return _LAST_PAGE if len(digits) > len(str(_LAST_PAGE)) else min(int(digits), _LAST_PAGE)


@router.get("/attestations", response_class=HTMLResponse)
async def my_attestations(request: Request) -> Response:
    visit = await signed_in(request)
    return await _list_page(request, visit, _own_dossier(visit))


@router.get("/dossiers/{affiliate_id}/attestations", response_class=HTMLResponse)
async def client_attestations(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _list_page(request, visit, affiliate_id)


async def _list_page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    """One page of the certificates (``?page=``, the settings' page size), newest first; a
    page past the last shows the last."""
    api = portal_of(request).api("attestations")
    size = portal_of(request).settings.page_size
    path = f"/v1/affiliates/{quote(affiliate_id, safe='')}/attestations"

    async def listed_page(n: int) -> dict[str, Any]:
        found: dict[str, Any] = await with_token(
            request, lambda t: api.get_json(path, token=t, page=n, per_page=size)
        )
        return found

    page = _page_asked(request)
    listed = await listed_page(page)
    total = int(listed.get("total", 0))
    pages = max(1, math.ceil(total / size))
    if page > pages:
        page = pages
        listed = await listed_page(page)
        total = int(listed.get("total", 0))
    base = _base(visit, affiliate_id)

    def page_link(n: int) -> str:
        return f"{base}?{urlencode({'page': n})}" if n > 1 else base

    heading = "Mes attestations" if visit.is_assure else "Attestations du client"
    return render(
        request,
        "attestations.html",
        title=heading + (f" — page {page} sur {pages}" if pages > 1 else ""),
        heading=heading,
        status_code=status_code,
        items=listed.get("items", []),
        total=total,
        page=page,
        pages=pages,
        previous_link=page_link(page - 1) if page > 1 else None,
        next_link=page_link(page + 1) if page < pages else None,
        form_action=page_link(page),
        kinds=ATTESTATION_KINDS,
        errors=errors or {},
        failure=failure,
    )


@router.post("/attestations", response_class=HTMLResponse)
async def ask_mine(request: Request) -> Response:
    visit = await signed_in(request)
    return await _ask(request, visit, _own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/attestations", response_class=HTMLResponse)
async def ask_for_client(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _ask(request, visit, affiliate_id)


async def _ask(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    kind = str(form.get("type") or "")
    year_typed = str(form.get("annee") or "").strip()
    if kind not in ATTESTATION_KINDS:
        return await _list_page(
            request,
            visit,
            affiliate_id,
            errors={"type": "Choisissez le type d'attestation."},
            status_code=422,
        )
    body: dict[str, Any] = {"affiliate_id": affiliate_id, "kind": kind}
    if year_typed:
        if not (year_typed.isdigit() and len(year_typed) == 4):
            return await _list_page(
                request,
                visit,
                affiliate_id,
                errors={"annee": "Saisissez une année sur 4 chiffres, par exemple 2026."},
                status_code=422,
            )
        body["year"] = int(year_typed)
    api = portal_of(request).api("attestations")
    try:
        await with_token(
            request, lambda t: api.call("POST", "/v1/attestations", token=t, json=body)
        )
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        errors = {"annee": exc.fields["year"]} if "year" in exc.fields else {}
        return await _list_page(
            request,
            visit,
            affiliate_id,
            errors=errors,
            failure=exc.message,
            status_code=exc.status,
        )
    holder = holder_of(request)
    holder.set(holder.visit.with_flash("Votre attestation est prête : elle figure dans la liste."))
    return RedirectResponse(_base(visit, affiliate_id), status_code=303)


@router.get("/attestations/{attestation_id}/pdf")
async def download(request: Request, attestation_id: str) -> Response:
    """The PDF as attestations serves it (the service decides who may have it)."""
    api = portal_of(request).api("attestations")
    path = f"/v1/attestations/{quote(attestation_id, safe='')}/pdf"
    answer = await with_token(request, lambda t: api.call("GET", path, token=t))
    headers = {}
    disposition = answer.headers.get("content-disposition")
    if disposition:
        headers["Content-Disposition"] = disposition
    return Response(answer.content, media_type="application/pdf", headers=headers)


@router.get("/verification", response_class=HTMLResponse)
async def verification(request: Request, code: str = "") -> Response:
    """Anyone checks an attestation's authenticity by its security code."""
    code = code.strip()
    if not code:
        return render(request, "verification.html", title="Vérifier une attestation")
    if not _CODE.match(code):
        return render(
            request,
            "verification.html",
            title="Vérifier une attestation — erreur",
            status_code=422,
            code=code,
            errors={
                "code": "Le code de sécurité est fait de lettres et de chiffres, tel "
                "qu'imprimé sur l'attestation."
            },
        )
    api = portal_of(request).api("attestations")
    try:
        found = (
            await api.call("GET", f"/v1/verifications/{quote(code.replace(' ', ''), safe='')}")
        ).json()
    except ApiError as exc:
        if exc.status not in (404, 429):
            raise
        message = (
            "Aucune attestation ne porte ce code : elle n'a pas été délivrée par cet organisme."
            if exc.status == 404
            else exc.message
        )
        return render(
            request,
            "verification.html",
            title="Vérifier une attestation — résultat",
            status_code=exc.status,
            code=code,
            failure=message,
        )
    return render(
        request,
        "verification.html",
        title="Vérifier une attestation — résultat",
        code=code,
        found=found,
    )
