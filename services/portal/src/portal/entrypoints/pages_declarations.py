"""« Déclarer mon chiffre d'affaires »: a micro-entrepreneur's turnover of a month or a quarter
over, and what cotisations computes it owes (its lines, the amount, the due date).

An assuré declares at ``/cotisations/chiffre-d-affaires``, a firm user for a client at
``/dossiers/{affiliate_id}/cotisations/chiffre-d-affaires`` (cotisations asks it ``declare``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.declarations import LINES, last_over, of_period, period_hint, period_words
from portal.domain.visit import Visit
from portal.domain.wording import typed_amount
from portal.entrypoints.pages_cotisations import base_of, own_dossier
from portal.entrypoints.web import checked_form, portal_of, render, signed_in, with_token

router = APIRouter()
_FIELDS = {"period": "periode", "turnover": "chiffre_affaires"}


def _today(request: Request) -> date:
    return datetime.fromtimestamp(portal_of(request).now(), UTC).date()


def _path(affiliate_id: str) -> str:
    return f"/v1/accounts/{quote(affiliate_id, safe='')}"


async def _page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
    result: dict[str, Any] | None = None,
) -> Response:
    """The form (the period offered first: the last one over), the periods declared so far
    as the account lists them; or the answer to a declaration."""
    api = portal_of(request).api("cotisations")
    account = await with_token(request, lambda t: api.get_json(_path(affiliate_id), token=t))
    today = _today(request)
    periodicity = str(account.get("periodicity") or "monthly")
    offered = last_over(periodicity, today)
    declared = account.get("declarations") or []
    if typed is None:
        done = {d.get("period") for d in declared}
        typed = {"periode": "" if offered in done else offered}
    title = (
        "Déclarer mon chiffre d'affaires"
        if visit.is_assure
        else "Déclarer le chiffre d'affaires du client"
    )
    return render(
        request,
        "declaration.html",
        title=title + (" — erreur" if errors or failure else ""),
        heading=title,
        status_code=status_code,
        base=base_of(visit, affiliate_id),
        account=account,
        declared=declared,
        hint=period_hint(periodicity, today),
        typed=typed,
        errors=errors or {},
        failure=failure,
        result=result,
        lines=LINES,
        period_words=period_words,
        of_period=of_period,
    )


@router.get("/cotisations/chiffre-d-affaires", response_class=HTMLResponse)
async def declaration_page(request: Request) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, own_dossier(visit))


@router.get("/dossiers/{affiliate_id}/cotisations/chiffre-d-affaires", response_class=HTMLResponse)
async def client_declaration_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, affiliate_id)


@router.post("/cotisations/chiffre-d-affaires", response_class=HTMLResponse)
async def declare(request: Request) -> Response:
    visit = await signed_in(request)
    return await _declare(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/chiffre-d-affaires", response_class=HTMLResponse)
async def client_declare(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _declare(request, visit, affiliate_id)


async def _declare(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    typed = {k: str(form.get(k) or "").strip() for k in _FIELDS.values()}
    errors: dict[str, str] = {}
    if not typed["periode"]:
        errors["periode"] = "Saisissez la période déclarée, par exemple 2026-03 ou 2026-T1."
    turnover = typed_amount(typed["chiffre_affaires"])
    if turnover is None:
        errors["chiffre_affaires"] = (
            "Saisissez un montant en euros, par exemple 2 001,40 ; 0 si vous n'avez rien encaissé."
        )
    if errors:
        return await _page(
            request, visit, affiliate_id, typed=typed, errors=errors, status_code=422
        )
    api = portal_of(request).api("cotisations")
    body = {"period": typed["periode"], "turnover": turnover}
    path = f"{_path(affiliate_id)}/declarations"
    try:
        answer = await with_token(request, lambda t: api.call("POST", path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        errors = {_FIELDS[k]: v for k, v in exc.fields.items() if k in _FIELDS}
        if exc.kind == "period-already-declared":
            errors["periode"] = exc.message
        return await _page(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors=errors,
            failure="" if errors else exc.message,
            status_code=exc.status,
        )
    return await _page(request, visit, affiliate_id, typed={"periode": ""}, result=answer.json())
