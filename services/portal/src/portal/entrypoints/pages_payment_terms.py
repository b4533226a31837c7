"""How an account pays (« Mes cotisations »): « Adhérer au prélèvement automatique » (and
the change of the account debited, ``pages_direct_debit``), « Changer de périodicité de
prélèvement » and « Changer de jour de prélèvement » (5 or 20, monthly only, once a calendar
year: cotisations decides)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.visit import Visit
from portal.domain.wording import PERIODICITIES, french_date
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
_DEBIT_FIELDS = {"holder": "titulaire", "iban": "iban", "bic": "bic"}
DEBIT_DAYS = ("5", "20")
"""The days of the month a monthly account may be debited on."""


async def terms_page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}"
    account = await with_token(request, lambda t: api.get_json(path, token=t))
    debit = await with_token(request, lambda t: api.get_json(f"{path}/direct-debit", token=t))
    return render(
        request,
        "payment_terms.html",
        title="Prélèvement, périodicité et jour de prélèvement"
        + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        account=account,
        debit=debit,
        base=base_of(visit, affiliate_id),
        typed=typed or {},
        errors=errors or {},
        failure=failure,
        periodicities=PERIODICITIES,
        debit_days=DEBIT_DAYS,
    )


@router.get("/cotisations/prelevement", response_class=HTMLResponse)
async def terms(request: Request) -> Response:
    visit = await signed_in(request)
    return await terms_page(request, visit, own_dossier(visit))


@router.get("/dossiers/{affiliate_id}/cotisations/prelevement", response_class=HTMLResponse)
async def client_terms(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await terms_page(request, visit, affiliate_id)


@router.post("/cotisations/prelevement", response_class=HTMLResponse)
async def sign_direct_debit(request: Request) -> Response:
    visit = await signed_in(request)
    return await send_mandate(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/prelevement", response_class=HTMLResponse)
async def client_sign_direct_debit(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await send_mandate(request, visit, affiliate_id)


async def send_mandate(
    request: Request, visit: Visit, affiliate_id: str, *, changing: bool = False
) -> Response:
    """A first mandate (``POST …/direct-debit``), or, ``changing``, another account to debit
    in place of the one in force (``PUT``); cotisations' refusals at their field."""
    form = await checked_form(request)
    typed = {k: str(form.get(k) or "").strip() for k in ("titulaire", "iban", "bic")}
    errors = {
        k: message
        for k, message in (
            ("titulaire", "Saisissez le nom du titulaire du compte."),
            ("iban", "Saisissez l'IBAN du compte à prélever."),
            ("bic", "Saisissez le BIC de la banque du compte."),
        )
        if not typed[k]
    }
    if errors:
        return await terms_page(
            request, visit, affiliate_id, typed=typed, errors=errors, status_code=422
        )
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/direct-debit"
    body = {"holder": typed["titulaire"], "iban": typed["iban"], "bic": typed["bic"]}
    try:
        method = "PUT" if changing else "POST"
        answer = await with_token(request, lambda t: api.call(method, path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        errors = {_DEBIT_FIELDS[k]: v for k, v in exc.fields.items() if k in _DEBIT_FIELDS}
        return await terms_page(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors=errors,
            failure="" if errors else exc.message,
            status_code=exc.status,
        )
    signed: dict[str, Any] = answer.json()
    since = french_date(signed.get("effective_from"))
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Le nouveau compte est enregistré : il est prélevé à partir de l'échéance du {since}"
            " ; celles d'ici là restent prélevées sur l'ancien compte."
            if changing
            else "Votre mandat de prélèvement est enregistré : les échéances sont prélevées à "
            f"partir de celle du {since}."
        )
    )
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)


@router.post("/cotisations/periodicite", response_class=HTMLResponse)
async def change_periodicity(request: Request) -> Response:
    visit = await signed_in(request)
    return await _periodicity(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/periodicite", response_class=HTMLResponse)
async def client_change_periodicity(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _periodicity(request, visit, affiliate_id)


async def _periodicity(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    chosen = str(form.get("periodicite") or "")
    if chosen not in PERIODICITIES:
        return await terms_page(
            request,
            visit,
            affiliate_id,
            errors={"periodicite": "Choisissez une périodicité."},
            status_code=422,
        )
    return await _changed_term(
        request,
        visit,
        affiliate_id,
        ("periodicity", {"periodicity": chosen}, "periodicite"),
        lambda exc: exc.fields.get("periodicity") or exc.message,
        lambda from_: (
            f"Périodicité {PERIODICITIES[chosen].lower()} enregistrée : elle "
            f"s'applique à partir de l'échéance du {from_}."
        ),
    )


async def _changed_term(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    change: tuple[str, dict[str, Any], str],
    refused: Callable[[ApiError], str],
    done: Callable[[str], str],
) -> Response:
    """``PUT`` one term of the account (``change``: cotisations' path, its body, the form's
    field); a refusal said at the field, else back to « Mes cotisations » with ``done`` of the
    due date it applies from."""
    what, body, field = change
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/{what}"
    try:
        answer = await with_token(request, lambda t: api.call("PUT", path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await terms_page(
            request, visit, affiliate_id, errors={field: refused(exc)}, status_code=exc.status
        )
    terms: dict[str, Any] = answer.json()
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(done(french_date(terms.get("effective_from")))))
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)


@router.post("/cotisations/jour-de-prelevement", response_class=HTMLResponse)
async def change_debit_day(request: Request) -> Response:
    visit = await signed_in(request)
    return await _debit_day(request, visit, own_dossier(visit))


@router.post(
    "/dossiers/{affiliate_id}/cotisations/jour-de-prelevement", response_class=HTMLResponse
)
async def client_change_debit_day(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _debit_day(request, visit, affiliate_id)


def _debit_day_refused(exc: ApiError) -> str:
    """cotisations' words; a lock says from when the day may change again (``unlocks_on``)."""
    message = exc.fields.get("debit_day") or exc.message
    reopens = french_date(exc.body.get("unlocks_on"))
    if reopens and reopens not in message:
        message += f" Un nouveau changement est possible à partir du {reopens}."
    return message


async def _debit_day(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    chosen = str(form.get("jour") or "")
    if chosen not in DEBIT_DAYS:
        return await terms_page(
            request,
            visit,
            affiliate_id,
            errors={"jour": "Choisissez le 5 ou le 20 du mois."},
            status_code=422,
        )
    return await _changed_term(
        request,
        visit,
        affiliate_id,
        ("debit-day", {"debit_day": int(chosen)}, "jour"),
        _debit_day_refused,
        lambda from_: (
            f"Jour de prélèvement enregistré : vos échéances sont prélevées le "
            f"{chosen} du mois à partir de celle du {from_}."
        ),
    )
