"""The spreadsheet import endpoints (raw body: CSV or XLSX)."""

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from servicekit.auth import Principal

from mandates.bootstrap import MandatesApp
from mandates.domain import commands
from mandates.domain.sheets import CSV_CONTENT_TYPES, XLSX_CONTENT_TYPE
from mandates.service_layer import imports, views

# The body is read raw (FastAPI cannot describe it from a parameter): declared here.
SPREADSHEET_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Le fichier brut : un CSV (`,` ou `;`, UTF-8 avec ou sans BOM, ou "
        "Windows-1252) ou un classeur XLSX, dont la première ligne nomme les colonnes "
        "(SIREN ou SIRET, nom, NIR facultatif).",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in sorted({*CSV_CONTENT_TYPES, XLSX_CONTENT_TYPE})
        },
    }
}


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
            409: {
                "description": "l'identifiant nomme un import dont vous ne voyez pas les clients"
            },
            413: {},
            422: {
                "description": "fichier refusé (illisible, ou au-delà d'une limite : lignes, "
                "cellules, colonnes, longueur d'une ligne, taille décompressée, durée de "
                "lecture), ou lignes refusées en mode tout ou rien"
            },
        },
        openapi_extra=SPREADSHEET_BODY,
    )
    async def create(
        cabinet_id: str,
        request: Request,
        principal: Who,
        mode: commands.ImportMode = "all_or_nothing",
        portfolio_id: Annotated[str | None, Query()] = None,
        idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
        content_type: Annotated[str, Header()] = "",
    ) -> JSONResponse:
        # who may import is settled before the body is read, let alone parsed
        await views.may_import(app.new_uow(read_only=True), principal, cabinet_id, portfolio_id)
        data = await request.body()
        sheet, digest = await app.read_spreadsheet(data, content_type)
        import_id = idempotency_key or digest
        report = await app.bus.handle(
            commands.ImportClients(principal, cabinet_id, import_id, sheet, mode, portfolio_id)
        )
        status = 200 if report.replayed else 201 if report.outcome == "imported" else 422
        return JSONResponse(report_body(report), status_code=status)

    @router.get(
        "/{import_id}",
        summary="Le rapport d'un import",
        description="Lu par qui voit les clients qu'il liste : un administrateur, ou un "
        "collaborateur abonné au portefeuille où ils sont ; pour les autres, 404.",
        responses={401: {}, 404: {}},
    )
    async def read(cabinet_id: str, import_id: str, principal: Who) -> JSONResponse:
        report = await views.import_report(
            app.new_uow(read_only=True), principal, cabinet_id, import_id
        )
        return JSONResponse(report_body(report))

    return router


def report_body(report: imports.ImportReport) -> dict[str, Any]:
    return asdict(report)
