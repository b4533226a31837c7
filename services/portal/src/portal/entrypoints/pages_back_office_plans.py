"""« Délais de paiement » for agents: a request the granting rule left to an agent, granted or
refused with a reason.

cotisations lists no request waiting for an agent and reads no plan by its reference: the
agent opens the account by its identifier (the affilié's, as the registry's report gives
it) — what it owes, the debts held by a request, the plan in force — and decides the request
by the reference the person received when asking (``payment_plan_requested``'s mail).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.entrypoints.pages_back_office import agent_signed_in, in_their_words
from portal.entrypoints.web import checked_form, holder_of, portal_of, render, with_token

router = APIRouter()

PLANS_PATH = "/gestion/delais-de-paiement"
DECISIONS = {"accorder": "grant", "refuser": "refuse"}
_FIELDS = {"reason": "motif", "decision": "decision"}
_ABOUT_THE_REQUEST = frozenset(
    {"payment-plan-not-found", "plan-already-decided", "plan-debts-gone"}
)
"""cotisations' refusals of a decision that concern the request named: said at its field."""


def _account_path(affiliate_id: str) -> str:
    return f"/v1/accounts/{quote(affiliate_id, safe='')}"


async def _account(request: Request, affiliate_id: str) -> dict[str, Any]:
    api = portal_of(request).api("cotisations")
    path = _account_path(affiliate_id)
    account = await with_token(request, lambda t: api.get_json(path, token=t))
    payables = await with_token(request, lambda t: api.get_json(f"{path}/payables", token=t))
    payments = await with_token(
        request, lambda t: api.get_json(f"{path}/payments", token=t, limit=100)
    )
    return {"account": account, "payables": payables, "payments": payments}


async def _page(
    request: Request,
    affiliate_id: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    errors = dict(errors or {})
    found: dict[str, Any] = {}
    if affiliate_id:
        try:
            found = await _account(request, affiliate_id)
        except ApiError as exc:
            if exc.status not in (404, 422):
                raise
            errors.setdefault("dossier", in_their_words(exc))
            if status_code == 200:
                status_code = exc.status
    return render(
        request,
        "back_office_plans.html",
        title="Délais de paiement" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        dossier=affiliate_id,
        typed=typed or {"decision": "", "reference": "", "motif": ""},
        errors=errors,
        failure=failure,
        plans_path=PLANS_PATH,
        base=None,
        **found,
    )


@router.get(PLANS_PATH, response_class=HTMLResponse)
async def plans_page(request: Request, dossier: str = "") -> Response:
    await agent_signed_in(request)
    return await _page(request, dossier.strip()[:100])


@router.post(PLANS_PATH + "/decision", response_class=HTMLResponse)
async def decide(request: Request) -> Response:
    await agent_signed_in(request)
    form = await checked_form(request)
    affiliate_id = str(form.get("dossier") or "").strip()[:100]
    typed = {k: str(form.get(k) or "").strip() for k in ("reference", "decision", "motif")}
    errors: dict[str, str] = {}
    if not affiliate_id:
        errors["dossier"] = "Saisissez l'identifiant du dossier de l'affilié."
    if not typed["reference"]:
        errors["reference"] = (
            "Saisissez la référence de la demande, telle que l'affilié l'a reçue par courriel."
        )
    if typed["decision"] not in DECISIONS:
        errors["decision"] = "Choisissez d'accorder ou de refuser le délai de paiement."
    if errors:
        return await _page(request, affiliate_id, typed=typed, errors=errors, status_code=422)
    api = portal_of(request).api("cotisations")
    path = (
        f"{_account_path(affiliate_id)}/payment-plans/"
        f"{quote(typed['reference'][:100], safe='')}/decision"
    )
    body = {"decision": DECISIONS[typed["decision"]], "reason": typed["motif"] or None}
    try:
        answer = await with_token(request, lambda t: api.call("POST", path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        errors = {_FIELDS[k]: v for k, v in exc.fields.items() if k in _FIELDS}
        if not errors and exc.kind in _ABOUT_THE_REQUEST:
            errors = {"reference": in_their_words(exc)}
        return await _page(
            request,
            affiliate_id,
            typed=typed,
            errors=errors,
            failure="" if errors else in_their_words(exc),
            status_code=exc.status,
        )
    decided: dict[str, Any] = answer.json()
    if decided.get("status") == "refused":
        message = f"Délai de paiement {typed['reference']} refusé. Motif : {decided.get('reason')}"
    else:
        message = (
            f"Délai de paiement {typed['reference']} accordé : ses mensualités remplacent les "
            "dettes qu'il reprend."
        )
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(message))
    return RedirectResponse(f"{PLANS_PATH}?{urlencode({'dossier': affiliate_id})}", 303)
