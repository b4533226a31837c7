"""« Demander un délai de paiement »: the debts a plan would cover and the number of monthly
instalments, the preview (late-payment surcharges per debt, total, schedule, whether it is
granted at once), then the request, sent once whatever the clicks.

An assuré asks at ``/cotisations/delai``; a firm user for a client at
``/dossiers/{affiliate_id}/cotisations/delai`` — cotisations decides whether the mandate and
the ``pay`` right allow it, and says why not in French.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain import payment_plans as plans
from portal.domain.visit import Visit
from portal.domain.wording import french_date, french_euros
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

_FIELDS = {"instalments": "echeances", "debts": "dettes"}
_NOT_A_NUMBER = (
    f"Saisissez un nombre de mensualités en chiffres, de 1 à {plans.MAX_INSTALMENTS}, par "
    "exemple 3."
)


def _account_path(affiliate_id: str) -> str:
    return f"/v1/accounts/{quote(affiliate_id, safe='')}"


async def _situation(request: Request, affiliate_id: str) -> dict[str, Any]:
    """The account, what it has to pay and its payments: what the form and the plan's state
    are shown from."""
    api = portal_of(request).api("cotisations")
    path = _account_path(affiliate_id)
    account = await with_token(request, lambda t: api.get_json(path, token=t))
    payables = await with_token(request, lambda t: api.get_json(f"{path}/payables", token=t))
    payments = await with_token(
        request, lambda t: api.get_json(f"{path}/payments", token=t, limit=100)
    )
    return {"account": account, "payables": payables, "payments": payments}


async def _form(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    situation = await _situation(request, affiliate_id)
    return render(
        request,
        "payment_plan.html",
        title="Demander un délai de paiement" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        base=base_of(visit, affiliate_id),
        debts=plans.debts_to_cover(situation["account"], situation["payables"]),
        typed=typed,
        errors=errors or {},
        failure=failure,
        rules=plans,
        **situation,
    )


@router.get("/cotisations/delai", response_class=HTMLResponse)
async def plan_page(request: Request) -> Response:
    visit = await signed_in(request)
    return await _form(request, visit, own_dossier(visit), typed={"echeances": "3"})


@router.get("/dossiers/{affiliate_id}/cotisations/delai", response_class=HTMLResponse)
async def client_plan_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _form(request, visit, affiliate_id, typed={"echeances": "3"})


@router.post("/cotisations/delai", response_class=HTMLResponse)
async def preview(request: Request) -> Response:
    visit = await signed_in(request)
    return await _preview(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/delai", response_class=HTMLResponse)
async def client_preview(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _preview(request, visit, affiliate_id)


@router.post("/cotisations/delai/demande", response_class=HTMLResponse)
async def ask(request: Request) -> Response:
    visit = await signed_in(request)
    return await _ask(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/delai/demande", response_class=HTMLResponse)
async def client_ask(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _ask(request, visit, affiliate_id)


async def _refused(
    request: Request, visit: Visit, affiliate_id: str, typed: dict[str, str], exc: ApiError
) -> Response:
    """cotisations' refusal at its field (the number of instalments, the debts), or above the
    form (a right missing, a request at the same instant)."""
    if exc.status not in (403, 409, 422):
        raise exc
    errors = {_FIELDS[k]: v for k, v in exc.fields.items() if k in _FIELDS}
    return await _form(
        request,
        visit,
        affiliate_id,
        typed=typed,
        errors=errors,
        failure="" if errors else exc.message,
        status_code=exc.status,
    )


async def _preview(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    typed = {"echeances": str(form.get("echeances") or "").strip()}
    count = plans.instalments_typed(typed["echeances"])
    if count is None:
        return await _form(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors={"echeances": _NOT_A_NUMBER},
            status_code=422,
        )
    api = portal_of(request).api("cotisations")
    path = f"{_account_path(affiliate_id)}/payment-plans/preview"
    try:
        answer = await with_token(
            request, lambda t: api.call("POST", path, token=t, json={"instalments": count})
        )
    except ApiError as exc:
        return await _refused(request, visit, affiliate_id, typed, exc)
    account = await with_token(
        request, lambda t: api.get_json(_account_path(affiliate_id), token=t)
    )
    origins = plans.debt_origins(account)
    shown: dict[str, Any] = answer.json()
    surcharges = [
        {
            **s,
            "origin": plans.origin_of(origins, str(s.get("reference") or "")),
            "rate_fr": plans.french_rate(s.get("rate")),
        }
        for s in shown.get("surcharges") or []
    ]
    return render(
        request,
        "payment_plan_preview.html",
        title="Votre délai de paiement",
        plan=shown,
        surcharges=surcharges,
        typed={"echeances": str(count)},
        # one key per confirmation page: sent twice, the plan is asked once
        idempotency_key=secrets.token_urlsafe(24),
        base=base_of(visit, affiliate_id),
        rules=plans,
    )


async def _ask(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    typed = {"echeances": str(form.get("echeances") or "").strip()}
    count = plans.instalments_typed(typed["echeances"])
    if count is None:
        return await _form(
            request,
            visit,
            affiliate_id,
            typed=typed,
            errors={"echeances": _NOT_A_NUMBER},
            status_code=422,
        )
    key = str(form.get("cle_idempotence") or "")[:100] or secrets.token_urlsafe(24)
    api = portal_of(request).api("cotisations")
    path = f"{_account_path(affiliate_id)}/payment-plans"
    try:
        answer = await with_token(
            request,
            lambda t: api.call(
                "POST",
                path,
                token=t,
                json={"instalments": count},
                headers={"Idempotency-Key": key},
            ),
        )
    except ApiError as exc:
        return await _refused(request, visit, affiliate_id, typed, exc)
    made: dict[str, Any] = answer.json()
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(_outcome(made)))
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)


def _outcome(plan: dict[str, Any]) -> str:
    """What the person reads once the plan is asked: granted at once, or sent to an agent."""
    instalments = plan.get("instalments") or []
    count = len(instalments)
    months = "1 mensualité" if count == 1 else f"{count} mensualités"
    if plan.get("status") == "granted":
        first = french_date(instalments[0]["due_date"]) if instalments else ""
        return (
            f"Votre délai de paiement est accordé : {french_euros(plan.get('total'))} en "
            f"{months}, la première le {first}. {plans.MISSED_RULE}"
        )
    return (
        f"Votre demande de délai de paiement ({french_euros(plan.get('total'))} en {months}) "
        "est transmise à un agent, qui l'examinera et répondra par courriel. Référence de la "
        f"demande : {plan.get('plan_id')}."
    )
