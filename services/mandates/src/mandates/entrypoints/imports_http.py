"""The spreadsheet import endpoints (raw body: CSV or XLSX)."""

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from servicekit.auth import Principal
from servicekit.problems import NotFound, Problem

from mandates.bootstrap import MandatesApp
from mandates.domain.spreadsheet import XLSX_CONTENT_TYPE, SpreadsheetRefused, parse_clients
from mandates.service_layer import imports
from mandates.service_layer.firms import firm_scope


def imports_router(app: MandatesApp, who: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cabinets/{cabinet_id}/imports", tags=["clients"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    @router.post(
        "",
        status_code=201,
        summary="Importer des clients depuis un tableur (CSV ou XLSX) : rapport ligne à ligne",
        description=f"Corps : le fichier brut, `Content-Type: text/csv` ou `{XLSX_CONTENT_TYPE}`. "
        "`Idempotency-Key` nomme l'import (par défaut l'empreinte du fichier) : le même "
        "import renvoyé n'ajoute rien et rend le même rapport.",
        responses={
            200: {"description": "import déjà fait : son rapport"},
            401: {},
            403: {},
            404: {},
            413: {},
            422: {"description": "fichier refusé, ou lignes refusées en mode tout ou rien"},
        },
    )
    async def create(
        cabinet_id: str,
        request: Request,
        principal: Who,
        mode: imports.Mode = "all_or_nothing",
        portfolio_id: Annotated[str | None, Query()] = None,
        idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
        content_type: Annotated[str, Header()] = "",
    ) -> JSONResponse:
        data = await request.body()
        try:
            sheet = parse_clients(
                data, content_type=content_type, max_rows=app.settings.import_max_rows
            )
        except SpreadsheetRefused as exc:
            raise Problem(exc.detail, kind=exc.code, title="Fichier refusé", status=422) from exc
        import_id = idempotency_key or hashlib.sha256(data).hexdigest()
        report = await imports.import_clients(
            app.new_uow(), app.deps, principal, cabinet_id, import_id, sheet, mode, portfolio_id
        )
        status = 200 if report.replayed else 201 if report.outcome == "imported" else 422
        return JSONResponse(report_body(report), status_code=status)

    @router.get("/{import_id}", summary="Le rapport d'un import", responses={401: {}, 404: {}})
    async def read(cabinet_id: str, import_id: str, principal: Who) -> JSONResponse:
        uow = app.new_uow(read_only=True)
        async with uow:
            await firm_scope(uow, principal, cabinet_id)
            stored = await uow.imports.get(cabinet_id, import_id)
        if stored is None:
            raise NotFound("Cet import est introuvable.", kind="import-not-found")
        return JSONResponse(report_body(imports.ImportReport.from_json(stored)))

    return router


def report_body(report: imports.ImportReport) -> dict[str, Any]:
    return asdict(report)
