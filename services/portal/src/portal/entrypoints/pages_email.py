"""Changing one's e-mail address: asked by any signed-in person (an assuré on « Mes données
personnelles », anyone else at ``/adresse-electronique``, linked from « Mon compte »), then
confirmed from the link identity mails to the new address. Opening that link
(``/confirmation-email?token=``) only shows a button, as ``/activation`` does: mail scanners
confirm nothing. The old address stays the account's until the link is used."""

from __future__ import annotations

from typing import Any, NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from servicekit.logging import register_secret

from portal.adapters.apis import ApiError
from portal.entrypoints.pages_account import _personal_page, _require_assure
from portal.entrypoints.web import checked_form, holder_of, portal_of, render, signed_in, with_token

router = APIRouter()
FIELD = "nouveau_courriel"
_LINK_REFUSALS = (404, 409, 410, 422, 429)


class Asked(NamedTuple):
    """The address the link goes to; or the refusal to say at the field, and its status."""

    address: str = ""
    refusal: str = ""
    status: int = 200


async def _asked(request: Request, new_email: str) -> Asked:
    """identity asked to mail a confirmation link to ``new_email``; its refusals (the address
    taken or invalid, a rate limit) in its words."""
    if not new_email:
        return Asked(refusal="Saisissez votre nouvelle adresse électronique.", status=422)
    identity = portal_of(request).identity
    body = {"new_email": new_email}
    try:
        answer = await with_token(
            request, lambda t: identity.call("POST", "/v1/me/email", token=t, json=body)
        )
    except ApiError as exc:
        if exc.status not in (409, 422, 429):
            raise
        said = exc.fields.get("new_email") or exc.message
        return Asked(refusal=said, status=exc.status)
    sent: dict[str, Any] = answer.json()
    return Asked(address=str(sent.get("pending_email") or new_email))


def _sent(request: Request, address: str) -> None:
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Un lien de confirmation, valable 24 heures, vient d'être envoyé à {address}. "
            "Votre adresse actuelle reste celle de votre compte tant que vous ne l'avez pas "
            "ouvert."
        )
    )


@router.get("/adresse-electronique", response_class=HTMLResponse)
async def email_page(request: Request) -> Response:
    await signed_in(request)
    return render(
        request, "email_change.html", title="Changer d'adresse électronique", typed={}, errors={}
    )


@router.post("/adresse-electronique", response_class=HTMLResponse)
async def change_email(request: Request) -> Response:
    form = await checked_form(request)
    await signed_in(request)
    typed = str(form.get(FIELD) or "").strip()
    asked = await _asked(request, typed)
    if asked.refusal:
        return render(
            request,
            "email_change.html",
            title="Changer d'adresse électronique — erreur",
            status_code=asked.status,
            typed={FIELD: typed},
            errors={FIELD: asked.refusal},
        )
    _sent(request, asked.address)
    return RedirectResponse("/", status_code=303)


@router.post("/donnees-personnelles/adresse-electronique", response_class=HTMLResponse)
async def change_my_email(request: Request) -> Response:
    """The form of « Mes données personnelles »: its refusal said at its field there."""
    form = await checked_form(request)
    visit = await signed_in(request)
    _require_assure(request, visit)
    typed = str(form.get(FIELD) or "").strip()
    asked = await _asked(request, typed)
    if asked.refusal:
        return await _personal_page(
            request, errors={FIELD: asked.refusal}, typed={FIELD: typed}, status_code=asked.status
        )
    _sent(request, asked.address)
    return RedirectResponse("/donnees-personnelles", status_code=303)


@router.get("/confirmation-email", response_class=HTMLResponse)
async def confirmation_page(request: Request, token: str = "") -> Response:
    if token:
        register_secret(token)
    return render(
        request,
        "email_confirmation.html",
        title="Confirmer ma nouvelle adresse électronique",
        token=token,
    )


@router.post("/confirmation-email", response_class=HTMLResponse)
async def confirm(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token") or "")
    if token:
        register_secret(token)
    try:
        answer = await portal_of(request).identity.call(
            "POST", "/v1/accounts/email-confirmation", json={"token": token}
        )
    except ApiError as exc:
        if exc.status not in _LINK_REFUSALS:
            raise
        refused = exc.message
        if exc.status == 422 and exc.kind == "validation-error":
            refused = "Ce lien de confirmation d'adresse électronique n'est pas valide."
        return render(
            request,
            "email_confirmation.html",
            title="Confirmer ma nouvelle adresse électronique — erreur",
            status_code=exc.status,
            token=token,
            failure=refused,
            retry=exc.status == 429,
        )
    confirmed: dict[str, Any] = answer.json()
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            f"Votre adresse électronique est changée : connectez-vous désormais avec "
            f"{confirmed.get('email', '')}."
        )
    )
    return RedirectResponse("/connexion", status_code=303)
