"""« Déclarer ses revenus »: the income estimate — a preview of the échéancier
rectificatif first, then the estimate sent; cotisations locks the function for a month after —
and the definitive income of a year over, which regularises that year."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.domain.wording import french_date, typed_amount
from portal.entrypoints.pages_cotisations import base_of, own_dossier
from portal.entrypoints.web import (
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()


def _form(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "estimate.html",
        title="Estimer mon revenu" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        base=base_of(visit, affiliate_id),
        typed=typed,
        errors=errors or {},
        failure=failure,
    )


def _this_year(request: Request) -> str:
    return str(datetime.fromtimestamp(portal_of(request).now(), UTC).year)


@router.get("/cotisations/estimation", response_class=HTMLResponse)
async def estimate_page(request: Request) -> Response:
    visit = await signed_in(request)
    affiliate_id = own_dossier(visit)
    return _form(request, visit, affiliate_id, typed={"annee": _this_year(request)})


@router.get("/dossiers/{affiliate_id}/cotisations/estimation", response_class=HTMLResponse)
async def client_estimate_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return _form(request, visit, affiliate_id, typed={"annee": _this_year(request)})


@router.post("/cotisations/estimation", response_class=HTMLResponse)
async def preview(request: Request) -> Response:
    visit = await signed_in(request)
    return await _estimate(request, visit, own_dossier(visit), applying=False)


@router.post("/dossiers/{affiliate_id}/cotisations/estimation", response_class=HTMLResponse)
async def client_preview(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _estimate(request, visit, affiliate_id, applying=False)


@router.post("/cotisations/estimation/envoi", response_class=HTMLResponse)
async def apply(request: Request) -> Response:
    visit = await signed_in(request)
    return await _estimate(request, visit, own_dossier(visit), applying=True)


@router.post("/dossiers/{affiliate_id}/cotisations/estimation/envoi", response_class=HTMLResponse)
async def client_apply(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _estimate(request, visit, affiliate_id, applying=True)


async def _estimate(
    request: Request, visit: Visit, affiliate_id: str, *, applying: bool
) -> Response:
    form = await checked_form(request)
    typed = {k: str(form.get(k) or "").strip() for k in ("annee", "revenu")}
    errors: dict[str, str] = {}
    if not (typed["annee"].isdigit() and len(typed["annee"]) == 4):
        errors["annee"] = "Saisissez l'année sur 4 chiffres, par exemple 2027."
    income = typed_amount(typed["revenu"])
    if income is None:
        errors["revenu"] = "Saisissez un montant en euros, par exemple 42 000 ou 42 000,50."
    if errors:
        return _form(request, visit, affiliate_id, typed=typed, errors=errors, status_code=422)
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/estimates"
    body: dict[str, Any] = {"year": int(typed["annee"]), "income": income}
    try:
        answer = await with_token(
            request,
            lambda t: api.call("POST", path if applying else f"{path}/preview", token=t, json=body),
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        fields = {"year": "annee", "income": "revenu"}
        errors = {fields[k]: v for k, v in exc.fields.items() if k in fields}
        year = exc.body.get("estimable_year")
        if year:
            typed["annee"] = str(year)
        return _form(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors=errors,
            failure="" if errors else exc.message,
            status_code=exc.status,
        )
    estimate = answer.json()
    if not applying:
        return render(
            request,
            "estimate_preview.html",
            title="Votre nouvel échéancier",
            estimate=estimate,
            typed=typed,
            base=base_of(visit, affiliate_id),
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Votre estimation est enregistrée : l'échéancier rectificatif s'applique à partir "
            f"du {french_date(estimate.get('effective_from'))}. Une nouvelle estimation sera "
            "possible dans un mois."
        )
    )
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)


OUTCOMES = {
    "spread": "le solde est réparti sur vos prochaines échéances",
    "refund": "le trop-versé vous sera remboursé",
    "debt": "le solde est à régler",
    "settled": "rien à régulariser",
}


def _income_form(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
    result: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        "income.html",
        title="Déclarer mon revenu définitif" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        base=base_of(visit, affiliate_id),
        typed=typed,
        errors=errors or {},
        failure=failure,
        result=result,
        outcomes=OUTCOMES,
    )


def _last_year(request: Request) -> str:
    return str(int(_this_year(request)) - 1)


@router.get("/cotisations/revenus", response_class=HTMLResponse)
async def income_page(request: Request) -> Response:
    visit = await signed_in(request)
    affiliate_id = own_dossier(visit)
    return _income_form(request, visit, affiliate_id, typed={"annee": _last_year(request)})


@router.get("/dossiers/{affiliate_id}/cotisations/revenus", response_class=HTMLResponse)
async def client_income_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return _income_form(request, visit, affiliate_id, typed={"annee": _last_year(request)})


@router.post("/cotisations/revenus", response_class=HTMLResponse)
async def declare(request: Request) -> Response:
    visit = await signed_in(request)
    return await _declare(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/revenus", response_class=HTMLResponse)
async def client_declare(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _declare(request, visit, affiliate_id)


async def _declare(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    typed = {k: str(form.get(k) or "").strip() for k in ("annee", "revenu")}
    errors: dict[str, str] = {}
    if not (typed["annee"].isdigit() and len(typed["annee"]) == 4):
        errors["annee"] = "Saisissez l'année sur 4 chiffres, par exemple 2025."
    income = typed_amount(typed["revenu"])
    if income is None:
        errors["revenu"] = "Saisissez un montant en euros, par exemple 38 500 ou 38 500,50."
    if errors:
        return _income_form(
            request, visit, affiliate_id, typed=typed, errors=errors, status_code=422
        )
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/incomes"
    body: dict[str, Any] = {"year": int(typed["annee"]), "income": income}
    try:
        answer = await with_token(request, lambda t: api.call("POST", path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        fields = {"year": "annee", "income": "revenu"}
        errors = {fields[k]: v for k, v in exc.fields.items() if k in fields}
        return _income_form(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors=errors,
            failure="" if errors else exc.message,
            status_code=exc.status,
        )
    return _income_form(
        request, visit, affiliate_id, typed={"annee": typed["annee"]}, result=answer.json()
    )
