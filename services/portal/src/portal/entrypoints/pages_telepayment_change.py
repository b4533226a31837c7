"""« Modifier un télépaiement »: the amounts and the accounts of a télépaiement not debited
yet, until noon (Paris time) the day before its debit (seed 002; cotisations decides).

The person sees each account's part (its IBAN masked, as cotisations gives it) and types the
IBAN again of every account kept or added: the portal keeps no IBAN, and cotisations shows
none in full. The sum of the parts is the new amount paid: less than what is owed leaves the
rest due, more is refused (cotisations' words at the parts). An assuré changes one at
``/cotisations/telepaiements/{payment_id}``; a firm user for a client at
``/dossiers/{affiliate_id}/cotisations/telepaiements/{payment_id}`` — cotisations decides
whether the mandate and the ``pay`` right allow it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain import telepayments
from portal.domain.payment_parts import ROWS, Split, refusals_at_rows, split_of
from portal.domain.visit import Visit
from portal.domain.wording import french_date, french_euros
from portal.entrypoints.pages_cotisations import base_of, own_dossier, portal_now
from portal.entrypoints.web import (
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()
LOCKED = "telepayment-locked"
_NO_PART = "Indiquez au moins un compte à débiter : son IBAN et le montant."


def _typed_from(found: telepayments.Scheduled | None) -> dict[str, str]:
    """The form as first shown: each account's amount in its row, its IBAN to type again."""
    if found is None:
        return {}
    return {
        f"montant_{n}": part["amount"].replace(".", ",")
        for n, part in enumerate(found.parts[:ROWS], start=1)
    }


async def _page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    payment_id: str,
    *,
    split: Split | None = None,
    failure: str = "",
    locked: bool = False,
    status_code: int = 200,
) -> Response:
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}"
    account = await with_token(request, lambda t: api.get_json(path, token=t))
    payables = await with_token(request, lambda t: api.get_json(f"{path}/payables", token=t))
    found = telepayments.find(account, payables, payment_id, portal_now(request))
    if found is None and status_code == 200:
        status_code = 404
    errors = split.errors if split else {}
    return render(
        request,
        "telepayment_change.html",
        title="Modifier un télépaiement" + (" — erreur" if errors or failure else ""),
        status_code=status_code,
        telepayment=found,
        changeable=found is not None and found.changeable and not locked,
        typed=split.typed if split else _typed_from(found),
        errors=errors,
        failure=failure,
        rows=range(1, ROWS + 1),
        base=base_of(visit, affiliate_id),
    )


@router.get("/cotisations/telepaiements/{payment_id}", response_class=HTMLResponse)
async def change_page(request: Request, payment_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, own_dossier(visit), payment_id)


@router.get(
    "/dossiers/{affiliate_id}/cotisations/telepaiements/{payment_id}",
    response_class=HTMLResponse,
)
async def client_change_page(request: Request, affiliate_id: str, payment_id: str) -> Response:
    visit = await signed_in(request)
    return await _page(request, visit, affiliate_id, payment_id)


@router.post("/cotisations/telepaiements/{payment_id}", response_class=HTMLResponse)
async def change(request: Request, payment_id: str) -> Response:
    visit = await signed_in(request)
    return await _change(request, visit, own_dossier(visit), payment_id)


@router.post(
    "/dossiers/{affiliate_id}/cotisations/telepaiements/{payment_id}",
    response_class=HTMLResponse,
)
async def client_change(request: Request, affiliate_id: str, payment_id: str) -> Response:
    visit = await signed_in(request)
    return await _change(request, visit, affiliate_id, payment_id)


async def _change(request: Request, visit: Visit, affiliate_id: str, payment_id: str) -> Response:
    form = await checked_form(request)
    split = split_of(form)
    if not split.parts and not split.errors:
        split = split.refused({"compte_1": _NO_PART})
    if split.errors:
        return await _page(request, visit, affiliate_id, payment_id, split=split, status_code=422)
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/telepayments/{quote(payment_id, safe='')}"
    body = {"parts": split.parts}
    try:
        answer = await with_token(request, lambda t: api.call("PATCH", path, token=t, json=body))
    except ApiError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        # the parts' refusals at their rows (a sum over what is owed at the parts); the lock
        # from noon the day before, a right missing, a télépaiement gone: above the form
        at_rows = refusals_at_rows(exc.body.get("errors"), split.typed) if exc.status == 422 else {}
        return await _page(
            request,
            visit,
            affiliate_id,
            payment_id,
            split=split.refused(at_rows),
            failure="" if at_rows else exc.message,
            locked=exc.kind == LOCKED,
            status_code=exc.status,
        )
    changed: dict[str, Any] = answer.json()
    holder = holder_of(request)
    holder.set(holder.visit.with_flash(_changed(changed)))
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)


def _changed(telepayment: dict[str, Any]) -> str:
    parts = telepayment.get("parts") or []
    accounts = "1 compte" if len(parts) == 1 else f"{len(parts)} comptes"
    return (
        f"Votre télépaiement est modifié : {french_euros(telepayment.get('amount'))} seront "
        f"prélevés le {french_date(telepayment.get('debit_on'))}, sur {accounts}."
    )
