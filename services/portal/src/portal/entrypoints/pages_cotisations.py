"""« Mes cotisations »: the account, its échéancier, the payments, and « Payer » (or why not).

An assuré reads its own account at ``/cotisations``; a firm user reads a client's at
``/dossiers/{affiliate_id}/cotisations`` — cotisations decides whether the mandate allows it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain import telepayments
from portal.domain.payment_parts import ROWS, Split, split_of
from portal.domain.visit import Visit
from portal.domain.wording import french_date, french_euros
from portal.entrypoints.web import (
    NotForThisActor,
    checked_form,
    holder_of,
    portal_of,
    render,
    signed_in,
    with_token,
)

router = APIRouter()


def own_dossier(visit: Visit) -> str:
    if not visit.is_assure or not visit.affiliate_id:
        raise NotForThisActor(
            "« Mes cotisations » est réservé aux assurés. Un cabinet ouvre le compte d'un "
            "client depuis la liste de ses clients."
        )
    return visit.affiliate_id


def base_of(visit: Visit, affiliate_id: str) -> str:
    if visit.is_assure:
        return "/cotisations"
    return f"/dossiers/{quote(affiliate_id, safe='')}/cotisations"


@router.get("/cotisations", response_class=HTMLResponse)
async def my_account(request: Request) -> Response:
    visit = await signed_in(request)
    return await _account_page(request, visit, own_dossier(visit))


@router.get("/dossiers/{affiliate_id}/cotisations", response_class=HTMLResponse)
async def client_account(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _account_page(request, visit, affiliate_id)


async def _account_page(request: Request, visit: Visit, affiliate_id: str) -> Response:
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}"
    account = await with_token(request, lambda token: api.get_json(path, token=token))
    payables = await with_token(request, lambda t: api.get_json(f"{path}/payables", token=t))
    payments = await with_token(
        request, lambda t: api.get_json(f"{path}/payments", token=t, limit=20)
    )
    return render(
        request,
        "cotisations.html",
        title="Mes cotisations" if visit.is_assure else "Cotisations du client",
        account=account,
        payables=payables,
        payments=payments,
        scheduled=telepayments.scheduled(account, payables, portal_now(request)),
        base=base_of(visit, affiliate_id),
    )


def portal_now(request: Request) -> datetime:
    """The portal's clock, as an instant (what « Modifier » is offered against)."""
    return datetime.fromtimestamp(portal_of(request).now(), UTC)


_ADHESION_FIELDS = {
    "holder_name": "titulaire",
    "address": "adresse",
    "iban": "iban",
    "bic": "bic",
    "terms_accepted": "conditions",
}


@router.get("/cotisations/telepaiement", response_class=HTMLResponse)
async def adhesion_page(request: Request) -> Response:
    visit = await signed_in(request)
    own_dossier(visit)
    return render(
        request,
        "adhesion.html",
        title="Adhérer au télépaiement",
        base=base_of(visit, visit.affiliate_id or ""),
        typed={},
        errors={},
    )


@router.get("/dossiers/{affiliate_id}/cotisations/telepaiement", response_class=HTMLResponse)
async def client_adhesion_page(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return render(
        request,
        "adhesion.html",
        title="Adhérer au télépaiement",
        base=base_of(visit, affiliate_id),
        typed={},
        errors={},
    )


@router.post("/cotisations/telepaiement", response_class=HTMLResponse)
async def adhere(request: Request) -> Response:
    visit = await signed_in(request)
    return await _adhere(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/telepaiement", response_class=HTMLResponse)
async def client_adhere(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _adhere(request, visit, affiliate_id)


async def _adhere(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    typed = {k: str(form.get(k) or "").strip() for k in ("titulaire", "adresse", "iban", "bic")}
    accepted = form.get("conditions") == "oui"
    errors: dict[str, str] = {}
    if not typed["titulaire"]:
        errors["titulaire"] = "Saisissez le nom et le prénom du titulaire du compte."
    if not typed["adresse"]:
        errors["adresse"] = "Saisissez l'adresse du titulaire du compte."
    if not typed["iban"]:
        errors["iban"] = "Saisissez l'IBAN du compte à débiter."
    if not typed["bic"]:
        errors["bic"] = "Saisissez le BIC de la banque du compte."
    if not accepted:
        errors["conditions"] = "Acceptez les conditions générales d'utilisation pour adhérer."
    failure = ""
    status = 422
    if not errors:
        api = portal_of(request).api("cotisations")
        path = f"/v1/accounts/{quote(affiliate_id, safe='')}/telepayment"
        body = {
            "holder_name": typed["titulaire"],
            "address": typed["adresse"],
            "iban": typed["iban"],
            "bic": typed["bic"],
            "terms_accepted": True,
        }
        try:
            await with_token(request, lambda t: api.call("POST", path, token=t, json=body))
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {
                _ADHESION_FIELDS[name]: message
                for name, message in exc.fields.items()
                if name in _ADHESION_FIELDS
            }
            if not errors:
                failure, status = exc.message, exc.status
        else:
            holder = holder_of(request)
            holder.set(
                holder.visit.with_flash(
                    "Votre adhésion au télépaiement est enregistrée : « Payer » est proposé à "
                    "côté des montants que vous pouvez régler en ligne."
                )
            )
            return RedirectResponse(base_of(visit, affiliate_id), status_code=303)
    return render(
        request,
        "adhesion.html",
        title="Adhérer au télépaiement — erreur",
        status_code=status,
        base=base_of(visit, affiliate_id),
        typed=typed,
        errors=errors,
        failure=failure,
    )


@router.get("/releve-de-carriere", response_class=HTMLResponse)
async def career(request: Request) -> Response:
    """« Mon relevé de carrière »: the assuré's own (never a firm's: cotisations refuses it)."""
    visit = await signed_in(request)
    affiliate_id = own_dossier(visit)
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/career"
    found = await with_token(request, lambda t: api.get_json(path, token=t))
    return render(request, "career.html", title="Mon relevé de carrière", career=found)


def _payable(payables: dict[str, Any], reference: str) -> dict[str, Any] | None:
    for item in payables.get("payables", []):
        if item.get("reference") == reference:
            return dict(item)
    return None


@router.get("/cotisations/payer", response_class=HTMLResponse)
async def pay_page(request: Request, reference: str = "") -> Response:
    visit = await signed_in(request)
    return await _pay_page(request, visit, own_dossier(visit), reference)


@router.get("/dossiers/{affiliate_id}/cotisations/payer", response_class=HTMLResponse)
async def client_pay_page(request: Request, affiliate_id: str, reference: str = "") -> Response:
    visit = await signed_in(request)
    return await _pay_page(request, visit, affiliate_id, reference)


async def _pay_page(
    request: Request,
    visit: Visit,
    affiliate_id: str,
    reference: str,
    split: Split | None = None,
    failure: str = "",
    status_code: int = 200,
) -> Response:
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/payables"
    payables = await with_token(request, lambda token: api.get_json(path, token=token))
    item = _payable(payables, reference)
    split = split or Split()
    return render(
        request,
        "pay.html",
        title="Payer" if status_code == 200 else "Payer — à corriger",
        status_code=status_code,
        item=item,
        mandate=payables.get("mandate"),
        base=base_of(visit, affiliate_id),
        reference=reference,
        typed=split.typed,
        errors=split.errors,
        failure=failure,
        rows=range(1, ROWS + 1),
    )


@router.post("/cotisations/payer", response_class=HTMLResponse)
async def pay_preview(request: Request) -> Response:
    visit = await signed_in(request)
    return await _preview(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/payer", response_class=HTMLResponse)
async def client_pay_preview(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _preview(request, visit, affiliate_id)


async def _preview(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    reference = str(form.get("reference") or "")
    split = split_of(form)
    if split.errors:
        return await _pay_page(request, visit, affiliate_id, reference, split, status_code=422)
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/telepayments/preview"
    body = split.body(reference)
    try:
        preview = await with_token(
            request, lambda token: api.call("POST", path, token=token, json=body)
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        if "amount" in exc.fields:  # more than is owed, a plan instalment in part
            refused = split.refused({"montant": exc.fields["amount"]})
            return await _pay_page(
                request, visit, affiliate_id, reference, refused, status_code=exc.status
            )
        # cotisations' words (parts not adding up, over 3 accounts, a bad IBAN, not offered)
        return await _pay_page(
            request, visit, affiliate_id, reference, split, exc.message, exc.status
        )
    previewed = preview.json()
    until = str(previewed.get("changeable_until") or "")
    return render(
        request,
        "pay_confirm.html",
        title="Valider le paiement",
        preview=previewed,
        # a debt debited the day it is paid: its deadline (noon the day before) is already past
        changeable=bool(until) and portal_now(request) < datetime.fromisoformat(until),
        parts=split.parts,
        amount=split.amount,
        reference=reference,
        # one key per confirmation page: sent twice, the payment is made once
        idempotency_key=secrets.token_urlsafe(24),
        base=base_of(visit, affiliate_id),
    )


@router.post("/cotisations/payer/validation")
async def pay(request: Request) -> Response:
    visit = await signed_in(request)
    return await _pay(request, visit, own_dossier(visit))


@router.post("/dossiers/{affiliate_id}/cotisations/payer/validation")
async def client_pay(request: Request, affiliate_id: str) -> Response:
    visit = await signed_in(request)
    return await _pay(request, visit, affiliate_id)


async def _pay(request: Request, visit: Visit, affiliate_id: str) -> Response:
    form = await checked_form(request)
    reference = str(form.get("reference") or "")
    split = split_of(form)  # the parts the confirmation page showed, carried along
    key = str(form.get("cle_idempotence") or "")[:100] or secrets.token_urlsafe(24)
    api = portal_of(request).api("cotisations")
    path = f"/v1/accounts/{quote(affiliate_id, safe='')}/telepayments"
    made = await with_token(
        request,
        lambda token: api.call(
            "POST",
            path,
            token=token,
            json=split.body(reference),
            headers={"Idempotency-Key": key},
        ),
    )
    paid = made.json()
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Paiement de {french_euros(paid.get('amount'))} enregistré : votre compte sera "
            f"débité le {french_date(paid.get('debit_on'))}."
        )
    )
    return RedirectResponse(base_of(visit, affiliate_id), status_code=303)
