"""« Désactiver mon compte » (seed 002, « Mes données personnelles »): a confirmation page
saying what it does, then identity's deactivation; the person is signed out on every device and
can no longer sign in, their data kept by the body."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.entrypoints.pages_account import _require_assure
from portal.entrypoints.web import checked_form, holder_of, portal_of, render, signed_in, with_token

router = APIRouter()
PAGE = "/donnees-personnelles/desactivation"


@router.get(PAGE, response_class=HTMLResponse)
async def deactivation_page(request: Request) -> Response:
    visit = await signed_in(request)
    _require_assure(request, visit)
    return render(request, "deactivation.html", title="Désactiver mon compte")


@router.post(PAGE, response_class=HTMLResponse)
async def deactivate(request: Request) -> Response:
    await checked_form(request)
    visit = await signed_in(request)
    _require_assure(request, visit)
    identity = portal_of(request).identity
    await with_token(
        request, lambda token: identity.call("POST", "/v1/me/desactivation", token=token)
    )
    holder = holder_of(request)  # identity has ended every session: the tokens are forgotten
    holder.set(
        holder.visit.signed_out().with_flash(
            "Votre compte est désactivé : vous ne pouvez plus vous connecter. Vos données sont "
            "conservées par la caisse ; pour réactiver votre compte, prenez rendez-vous avec "
            "un conseiller."
        )
    )
    return RedirectResponse("/connexion", status_code=303)
