"""The agents' pages (actor ``agent``): what they share, and « Charger le registre des
affiliés » — a CSV sent to identity as it is, then its report row by row.

identity keeps no report of a load: the report is the answer to the form itself. Anyone but
an agent gets the 403 page; identity checks the agent's token again at each call.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from portal.adapters.apis import ApiError
from portal.adapters.uploads import post_file
from portal.domain import back_office
from portal.domain.visit import Visit
from portal.entrypoints.web import (
    NotForThisActor,
    checked_form,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()

REGISTRY_PATH = "/gestion/registre"
REGISTRY_BODY_LIMIT_BYTES = 2 * 1024 * 1024
"""The form with its file: above what identity reads in one request (1 MiB by default), which
then answers with its own refusal."""
BODY_LIMITS = {REGISTRY_PATH: REGISTRY_BODY_LIMIT_BYTES}

_TOO_LARGE = (
    "Ce fichier est trop volumineux pour un seul chargement : découpez-le en plusieurs "
    "fichiers plus petits."
)


async def agent_signed_in(request: Request) -> Visit:
    """The signed-in agent; anyone else signed in gets the 403 page."""
    visit = await signed_in(request)
    if not visit.is_agent:
        raise NotForThisActor(
            "Cette page est réservée aux agents de l'organisme. Revenez à l'accueil pour "
            "retrouver vos services."
        )
    return visit


def in_their_words(exc: ApiError) -> str:
    """A refusal in the service's own words (identity writes some without accents: « Le
    fichier est vide. »), else the portal's sentence."""
    detail = exc.body.get("detail")
    if exc.status in (404, 409, 422) and isinstance(detail, str) and detail.strip():
        return detail.strip()
    return exc.message


def _form(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "registry_form.html",
        title="Charger le registre des affiliés" + (" — erreur" if errors else ""),
        status_code=status_code,
        errors=errors or {},
        upload_path=REGISTRY_PATH,
    )


@router.get(REGISTRY_PATH, response_class=HTMLResponse)
async def registry_page(request: Request) -> Response:
    await agent_signed_in(request)
    return _form(request)


@router.post(REGISTRY_PATH, response_class=HTMLResponse)
async def load_registry(request: Request) -> Response:
    """The file goes to identity as its raw body; the report, or the refusal of the whole
    file at its field."""
    await agent_signed_in(request)
    form = await checked_form(request)
    upload = form.get("fichier")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form(
            request,
            errors={"fichier": "Choisissez le fichier CSV des affiliés à charger."},
            status_code=422,
        )
    content = await upload.read()
    api = portal_of(request).api("identity")
    try:
        answer = await with_token(
            request,
            lambda t: post_file(
                api, "/v1/affiliates/imports", token=t, content=content, content_type="text/csv"
            ),
        )
    except ApiError as exc:
        if exc.status == 413:
            return _form(request, errors={"fichier": _TOO_LARGE}, status_code=413)
        if exc.status != 422:
            raise
        return _form(request, errors={"fichier": in_their_words(exc)}, status_code=422)
    rows: list[dict[str, Any]] = list(answer.json())
    return render(
        request,
        "registry_report.html",
        title="Rapport du chargement du registre",
        filename=upload.filename,
        rows=rows,
        counts=back_office.load_counts(rows),
        statuses=back_office.ROW_STATUSES,
        changes=back_office.ROW_CHANGES,
        upload_path=REGISTRY_PATH,
    )
