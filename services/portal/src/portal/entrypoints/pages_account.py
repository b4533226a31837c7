"""Signing in and out, « Mon compte », « Mes données personnelles », and the site's notices."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain.teleservices import page_of
from portal.entrypoints.pages_pensions import pension_history_offered
from portal.entrypoints.web import (
    NotForThisActor,
    checked_form,
    holder_of,
    portal_of,
    render,
    safe_next,
    signed_in,
    with_token,
)
from portal.service_layer import signin

router = APIRouter()


@router.get("/connexion", response_class=HTMLResponse)
async def login_page(request: Request, suite: str | None = None) -> Response:
    if holder_of(request).visit.signed_in:
        return RedirectResponse(safe_next(suite), status_code=303)
    return render(request, "login.html", title="Se connecter", suite=safe_next(suite))


@router.post("/connexion", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await checked_form(request)
    username = str(form.get("identifiant") or "").strip()
    password = str(form.get("mot_de_passe") or "")
    suite = safe_next(str(form.get("suite") or "/"))
    errors: dict[str, str] = {}
    if not username:
        errors["identifiant"] = (
            "Saisissez votre adresse électronique ou votre numéro de sécurité sociale."
        )
    if not password:
        errors["mot_de_passe"] = "Saisissez votre mot de passe."
    if errors:
        return render(
            request,
            "login.html",
            title="Se connecter — erreur",
            status_code=422,
            suite=suite,
            username=username,
            errors=errors,
        )
    portal = portal_of(request)
    holder = holder_of(request)
    try:
        visit = await signin.sign_in(
            portal.identity,
            holder.visit,
            username,
            password,
            source=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            now=portal.now(),
        )
    except ApiError as exc:
        if exc.status in (401, 422, 429, 503):
            return render(
                request,
                "login.html",
                title="Se connecter — erreur",
                status_code=exc.status if exc.status != 401 else 400,
                suite=suite,
                username=username,
                failure=exc.message,
            )
        raise
    holder.set(visit)
    return RedirectResponse(suite, status_code=303)


@router.post("/deconnexion")
async def logout(request: Request) -> Response:
    await checked_form(request)
    return await _sign_out(request, everywhere=False)


@router.post("/deconnexion-partout")
async def logout_everywhere(request: Request) -> Response:
    await checked_form(request)
    await signed_in(request)  # a fresh access token to end the sessions with
    return await _sign_out(request, everywhere=True)


async def _sign_out(request: Request, *, everywhere: bool) -> Response:
    portal = portal_of(request)
    holder = holder_of(request)
    try:
        visit = await signin.sign_out(portal.identity, holder.visit, everywhere=everywhere)
    except ApiError:
        # the portal forgets the tokens whatever identity answered; the refresh token
        # dies on its own (30 days unused), the access token within 10 minutes
        visit = holder.visit.signed_out()
    message = (
        "Vous êtes déconnecté de tous vos appareils." if everywhere else "Vous êtes déconnecté."
    )
    holder.set(visit.with_flash(message))
    return RedirectResponse("/connexion", status_code=303)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    visit = await signed_in(request)
    identity = portal_of(request).identity
    tiles: list[dict[str, Any]] = []
    pensions = False
    if visit.is_assure:
        listed = await with_token(
            request, lambda token: identity.get_json("/v1/me/teleservices", token=token)
        )
        for item in listed:
            tiles.append(
                {
                    "label": item["label"],
                    "href": page_of(item["code"], item.get("link_out")),
                    "external": bool(item.get("link_out")),
                }
            )
        pensions = pension_history_offered(visit, listed)
    return render(request, "home.html", title="Mon compte", tiles=tiles, pensions=pensions)


def _require_assure(request: Request, visit: Any) -> None:
    if not visit.is_assure:
        raise NotForThisActor(
            "Cette page est réservée aux assurés. Un cabinet consulte les données de ses "
            "clients depuis la liste de ses clients."
        )


@router.get("/donnees-personnelles", response_class=HTMLResponse)
async def personal_data(request: Request) -> Response:
    visit = await signed_in(request)
    _require_assure(request, visit)
    return await _personal_page(request)


async def _personal_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    identity = portal_of(request).identity
    data = await with_token(
        request, lambda token: identity.get_json("/v1/me/donnees-personnelles", token=token)
    )
    return render(
        request,
        "personal.html",
        title="Mes données personnelles" + (" — erreur" if errors else ""),
        status_code=status_code,
        data=data,
        errors=errors or {},
        typed=typed or {},
    )


@router.post("/donnees-personnelles/coordonnees", response_class=HTMLResponse)
async def change_contact(request: Request) -> Response:
    form = await checked_form(request)
    visit = await signed_in(request)
    _require_assure(request, visit)
    typed = {
        k: str(form.get(k) or "").strip() for k in ("mobile", "adresse", "code_postal", "ville")
    }
    body: dict[str, Any] = {}
    if typed["mobile"]:
        body["mobile"] = typed["mobile"]
    if typed["adresse"] or typed["code_postal"] or typed["ville"]:
        lines = [line.strip() for line in typed["adresse"].splitlines() if line.strip()]
        body["address"] = {
            "lines": lines,
            "postal_code": typed["code_postal"],
            "city": typed["ville"],
        }
    if not body:
        return await _personal_page(
            request,
            errors={"mobile": "Saisissez un numéro de mobile ou une adresse à modifier."},
            typed=typed,
            status_code=422,
        )
    identity = portal_of(request).identity
    try:
        await with_token(
            request,
            lambda token: identity.call(
                "PATCH", "/v1/me/donnees-personnelles", token=token, json=body
            ),
        )
    except ApiError as exc:
        if exc.status != 422:
            raise
        fields = {
            "mobile": exc.fields.get("mobile"),
            "adresse": exc.fields.get("address") if "address" in exc.fields else None,
        }
        errors = {k: v for k, v in fields.items() if v} or {"mobile": exc.message}
        return await _personal_page(request, errors=errors, typed=typed, status_code=422)
    holder = holder_of(request)
    holder.set(holder.visit.with_flash("Vos coordonnées ont été enregistrées."))
    return RedirectResponse("/donnees-personnelles", status_code=303)


@router.post("/donnees-personnelles/consentement", response_class=HTMLResponse)
async def change_consent(request: Request) -> Response:
    """« L'inscription de votre Siren par un tiers déclarant est autorisée »: on or off."""
    form = await checked_form(request)
    visit = await signed_in(request)
    _require_assure(request, visit)
    allowed = form.get("autorise") == "oui"
    identity = portal_of(request).identity
    await with_token(
        request,
        lambda token: identity.call(
            "PUT", "/v1/me/consentement-tiers-declarant", token=token, json={"allowed": allowed}
        ),
    )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            "Un cabinet peut désormais inscrire votre SIREN parmi ses clients."
            if allowed
            else "Aucun cabinet ne peut plus inscrire votre SIREN parmi ses clients."
        )
    )
    return RedirectResponse("/donnees-personnelles", status_code=303)


@router.get("/donnees-personnelles/mandat", response_class=HTMLResponse)
async def my_mandate(request: Request) -> Response:
    """« Gérer le mandat Expert-comptable »: who holds it, what it opens, since when."""
    visit = await signed_in(request)
    _require_assure(request, visit)
    mandates = portal_of(request).api("mandates")
    held = await with_token(request, lambda t: mandates.get_json("/v1/me/mandates", token=t))
    return render(request, "mandate.html", title="Gérer le mandat Expert-comptable", mandates=held)


@router.post("/donnees-personnelles/mandat/revocation", response_class=HTMLResponse)
async def revoke_mandate(request: Request) -> Response:
    await checked_form(request)
    visit = await signed_in(request)
    _require_assure(request, visit)
    mandates = portal_of(request).api("mandates")
    await with_token(request, lambda t: mandates.call("DELETE", "/v1/me/mandates/current", token=t))
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            "Votre mandat est révoqué : le cabinet n'a plus accès à votre dossier, il en est "
            "informé."
        )
    )
    return RedirectResponse("/donnees-personnelles/mandat", status_code=303)


@router.get("/sessions", response_class=HTMLResponse)
async def sessions(request: Request) -> Response:
    """« Mes sessions »: where the account is signed in, each ended on its own."""
    await signed_in(request)
    identity = portal_of(request).identity
    opened = await with_token(request, lambda t: identity.get_json("/v1/me/sessions", token=t))
    return render(request, "sessions.html", title="Mes sessions", sessions=opened)


@router.post("/sessions/{session_id}/fin")
async def end_session(request: Request, session_id: str) -> Response:
    await checked_form(request)
    await signed_in(request)
    identity = portal_of(request).identity
    path = "/v1/me/sessions/" + quote(session_id, safe="")
    await with_token(request, lambda t: identity.call("DELETE", path, token=t))
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash("Cette session est fermée : l'appareil devra se reconnecter.")
    )
    return RedirectResponse("/sessions", status_code=303)


@router.get("/accessibilite", response_class=HTMLResponse)
async def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", title="Déclaration d'accessibilité")


@router.get("/mentions-legales", response_class=HTMLResponse)
async def legal_notice(request: Request) -> Response:
    return render(request, "legal.html", title="Mentions légales")
