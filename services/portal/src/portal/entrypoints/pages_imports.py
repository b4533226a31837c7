"""« Ajouter des clients par fichier »: a CSV or XLSX sent to mandates with the mode and the
portfolio chosen, then the import's report row by row at its own address
(``/clients/imports/{import_id}``, paginated, filtered by outcome).

An all-or-nothing import stopped by a refused row adds nothing and mandates keeps no report
of it: that report is the answer to the form itself (every row, the refused ones with their
reason), to correct the file and send it again."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from portal.adapters.apis import ApiError
from portal.adapters.uploads import content_type_of, post_file
from portal.domain.firm import (
    IMPORT_MODE_NAMES,
    IMPORT_MODES,
    IMPORT_ROW_FILTERS,
    IMPORT_ROW_STATUSES,
    paged,
    plural,
)
from portal.entrypoints.firm_calls import (
    cabinet_of,
    imports_path,
    page_path,
    portfolios,
    redirect_with,
    service_words,
)
from portal.entrypoints.web import checked_form, portal_of, render, signed_in, with_token

router = APIRouter()

UPLOAD_PATH = "/clients/importer"
UPLOAD_BODY_LIMIT_BYTES = 10 * 1024 * 1024
"""The form with its file: above the largest spreadsheet mandates reads (5 MB), which then
answers with its own refusal, and as large as the gateway lets through on this page."""
BODY_LIMITS = {UPLOAD_PATH: UPLOAD_BODY_LIMIT_BYTES}
REJECTED_ROWS_SHOWN = 1000
"""A report that has no address (nothing added) is shown whole, up to this many rows."""

_TOO_LARGE = (
    "Ce fichier est trop volumineux pour un import : découpez-le en plusieurs fichiers plus petits."
)
_NOT_YOURS = (
    "Ce fichier a déjà été importé dans votre cabinet, vers un portefeuille que vous ne suivez "
    "pas : son rapport ne vous est pas ouvert."
)


async def _form(
    request: Request,
    cabinet_id: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "import_form.html",
        title="Ajouter des clients par fichier" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        portfolios=await portfolios(request, cabinet_id),
        modes=IMPORT_MODES,
        typed=typed or {"mode": "all_or_nothing", "portefeuille": ""},
        errors=errors or {},
        failure=failure,
        upload_path=UPLOAD_PATH,
    )


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
async def import_page(request: Request) -> Response:
    visit = await signed_in(request)
    return await _form(request, cabinet_of(visit))


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def send_file(request: Request) -> Response:
    """The file goes to mandates as it is; its report, or its refusal at the file's field."""
    form = await checked_form(request)
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    typed = {
        "mode": str(form.get("mode") or ""),
        "portefeuille": str(form.get("portefeuille") or ""),
    }
    upload = form.get("fichier")
    errors: dict[str, str] = {}
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["fichier"] = "Choisissez le fichier de vos clients, au format CSV ou XLSX."
    if typed["mode"] not in IMPORT_MODES:
        errors["mode"] = "Choisissez ce que devient l'import si une ligne est refusée."
    if errors or not isinstance(upload, UploadFile):
        return await _form(request, cabinet_id, typed=typed, errors=errors, status_code=422)
    try:
        content = await upload.read()
    finally:
        await upload.close()  # its spooled copy on disk goes at once
    media_type = content_type_of(upload.filename or "", upload.content_type)
    api = portal_of(request).api("mandates")
    params = {"mode": typed["mode"], "portfolio_id": typed["portefeuille"]}
    try:
        response = await with_token(
            request,
            lambda t: post_file(
                api,
                imports_path(cabinet_id),
                token=t,
                content=content,
                content_type=media_type,
                params=params,
            ),
        )
    except ApiError as exc:
        if exc.status == 422 and isinstance(exc.body.get("rows"), list):
            return await _report(request, cabinet_id, exc.body, stored=False, status_code=422)
        if exc.status not in (403, 404, 409, 413, 422) or (
            exc.status == 404 and exc.kind != "portfolio-not-found"
        ):
            raise
        if exc.status == 403:
            return await _form(
                request, cabinet_id, typed=typed, failure=service_words(exc), status_code=403
            )
        if exc.status == 404:  # the portfolio chosen: not one the user sees
            errors = {"portefeuille": service_words(exc)}
        elif exc.status == 413:
            errors = {"fichier": _TOO_LARGE}
        elif exc.kind == "import-id-taken":
            errors = {"fichier": _NOT_YOURS}
        else:  # the file refused as a whole, in mandates' own words
            errors = {"fichier": service_words(exc)}
        return await _form(request, cabinet_id, typed=typed, errors=errors, status_code=exc.status)
    report: dict[str, Any] = response.json()
    target = page_path("clients", "imports", str(report["import_id"]))
    if report.get("replayed"):
        message = (
            "Ce fichier a déjà été importé : aucun client n'est ajouté une seconde fois. Voici "
            "le rapport de son import."
        )
    else:
        added, refused = int(report.get("added", 0)), int(report.get("refused", 0))
        message = (
            f"Import terminé : {plural(added, 'client ajouté', 'clients ajoutés')}, "
            f"{plural(refused, 'ligne refusée', 'lignes refusées')}. Chaque client ajouté "
            "reçoit sa clé d'activation par courrier."
        )
    return redirect_with(request, target, message)


@router.get("/clients/imports/{import_id}", response_class=HTMLResponse)
async def report_page(
    request: Request, import_id: str, page: int = 1, lignes: str = ""
) -> Response:
    """An import's report, reopened by its address (mandates decides who may read it)."""
    visit = await signed_in(request)
    cabinet_id = cabinet_of(visit)
    api = portal_of(request).api("mandates")
    report: dict[str, Any] = await with_token(
        request, lambda t: api.get_json(imports_path(cabinet_id, import_id), token=t)
    )
    return await _report(request, cabinet_id, report, stored=True, page=page, only=lignes)


async def _report(
    request: Request,
    cabinet_id: str,
    report: dict[str, Any],
    *,
    stored: bool,
    page: int = 1,
    only: str = "",
    status_code: int = 200,
) -> Response:
    rows: list[dict[str, Any]] = list(report.get("rows") or [])
    counts = {status: sum(1 for r in rows if r.get("status") == status) for status in
              IMPORT_ROW_STATUSES}  # fmt: skip
    only = only if only in IMPORT_ROW_FILTERS else ""
    shown = [r for r in rows if r.get("status") == only] if only else rows
    portfolio_id = report.get("portfolio_id")
    names = {p["id"]: p["name"] for p in await portfolios(request, cabinet_id)}
    if stored:
        found = paged(shown, page, portal_of(request).settings.page_size)
        items, page, pages, cut = found.items, found.page, found.pages, False
    else:
        items, page, pages = shown[:REJECTED_ROWS_SHOWN], 1, 1
        cut = len(shown) > REJECTED_ROWS_SHOWN
    base = page_path("clients", "imports", str(report.get("import_id", "")))

    def link(n: int) -> str:
        query = {"lignes": only, "page": n} if only else {"page": n}
        return f"{base}?{urlencode(query)}"

    title = "Rapport de l'import" if stored else "Rapport de l'import — aucun client ajouté"
    return render(
        request,
        "import_report.html",
        title=title + (f" — page {page} sur {pages}" if pages > 1 else ""),
        status_code=status_code,
        report=report,
        stored=stored,
        counts=counts,
        rows=items,
        total_rows=len(rows),
        shown_rows=len(shown),
        cut=cut,
        cut_at=REJECTED_ROWS_SHOWN,
        only=only,
        filters=IMPORT_ROW_FILTERS,
        statuses=IMPORT_ROW_STATUSES,
        mode_name=IMPORT_MODE_NAMES.get(str(report.get("mode")), str(report.get("mode", ""))),
        portfolio_name=names.get(str(portfolio_id)) if portfolio_id else None,
        page=page,
        pages=pages,
        base=base,
        previous_link=link(page - 1) if page > 1 else None,
        next_link=link(page + 1) if page < pages else None,
        plural=plural,
        upload_path=UPLOAD_PATH,
    )
