"""Signing up (an assuré by known facts, a firm with its first administrator) and the pages the
links of identity's mails can point at: account activation, a forgotten password and its
reset. A link opened (by a person or a mail scanner) only shows a form: the action happens when
the form is sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.entrypoints.web import checked_form, holder_of, portal_of, render

router = APIRouter()
_LINK_REFUSALS = (404, 409, 410)


_ASSURE_FIELDS = {
    "nir": "nir",
    "birth_date": "date_naissance",
    "birth_name": "nom_naissance",
    "email": "courriel",
    "password": "mot_de_passe",
}
_CABINET_FIELDS = {
    "raison_sociale": "raison_sociale",
    "siret": "siret",
    "address": "adresse",
    "admin_first_name": "prenom",
    "admin_last_name": "nom",
    "email": "courriel",
    "password": "mot_de_passe",
}
_LINK_INCOMPLETE = (
    "Ce lien n'est pas complet : ouvrez à nouveau le lien reçu par courriel, en entier, ou "
    "copiez-le tel quel dans la barre d'adresse."
)


def _link_refusal(exc: ApiError) -> str:
    """identity's refusal of a mailed link, said to the person who opened it: a token cut or
    missing (only a link copied in part or a forged form sends one) is not a field they see."""
    return _LINK_INCOMPLETE if "token" in exc.fields else exc.message


_SENT = (
    "Votre demande est enregistrée : un lien d'activation, valable 48 heures, vous est envoyé "
    "par courriel."
)


async def _sign_up(
    request: Request,
    *,
    template: str,
    title: str,
    path: str,
    fields: dict[str, str],
) -> Response:
    form = await checked_form(request)
    typed = {name: str(form.get(name) or "").strip() for name in fields.values()}
    password = str(form.get("mot_de_passe") or "")
    typed["mot_de_passe"] = ""  # never written back into the page
    errors = {
        name: "Ce champ est obligatoire."
        for api_name, name in fields.items()
        if not (password if name == "mot_de_passe" else typed[name])
    }
    if not errors:
        body = {
            api_name: (password if name == "mot_de_passe" else typed[name])
            for api_name, name in fields.items()
        }
        try:
            await portal_of(request).identity.call("POST", path, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422, 429):
                raise
            errors = {fields[k]: v for k, v in exc.fields.items() if k in fields}
            return render(
                request,
                template,
                title=f"{title} — erreur",
                status_code=exc.status,
                typed=typed,
                errors=errors,
                failure="" if errors else exc.message,
            )
        holder = holder_of(request)
        holder.set(holder.visit.with_flash(_SENT))
        return RedirectResponse("/connexion", status_code=303)
    return render(
        request, template, title=f"{title} — erreur", status_code=422, typed=typed, errors=errors
    )


@router.get("/inscription", response_class=HTMLResponse)
async def sign_up_page(request: Request) -> Response:
    return render(request, "signup.html", title="Créer mon compte", typed={}, errors={})


@router.post("/inscription", response_class=HTMLResponse)
async def sign_up(request: Request) -> Response:
    """An assuré known to the registry: NIR, birth date and birth name must match it."""
    return await _sign_up(
        request,
        template="signup.html",
        title="Créer mon compte",
        path="/v1/assures",
        fields=_ASSURE_FIELDS,
    )


@router.get("/inscription-cabinet", response_class=HTMLResponse)
async def firm_sign_up_page(request: Request) -> Response:
    return render(
        request, "signup_firm.html", title="Créer un compte expert-comptable", typed={}, errors={}
    )


@router.post("/inscription-cabinet", response_class=HTMLResponse)
async def firm_sign_up(request: Request) -> Response:
    return await _sign_up(
        request,
        template="signup_firm.html",
        title="Créer un compte expert-comptable",
        path="/v1/cabinets",
        fields=_CABINET_FIELDS,
    )


@router.get("/activation", response_class=HTMLResponse)
async def activation_page(request: Request, token: str = "") -> Response:
    return render(request, "activation.html", title="Activer mon compte", token=token, errors={})


@router.post("/activation", response_class=HTMLResponse)
async def activate(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token") or "")
    password = str(form.get("mot_de_passe") or "")
    body: dict[str, str] = {"token": token}
    if password:
        body["password"] = password
    try:
        await portal_of(request).identity.call("POST", "/v1/accounts/activation", json=body)
    except ApiError as exc:
        if exc.status not in (*_LINK_REFUSALS, 422, 429):
            raise
        errors = {"mot_de_passe": exc.fields["password"]} if "password" in exc.fields else {}
        return render(
            request,
            "activation.html",
            title="Activer mon compte — erreur",
            status_code=exc.status,
            token=token,
            errors=errors,
            failure="" if errors else _link_refusal(exc),
        )
    holder = holder_of(request)
    holder.set(holder.visit.with_flash("Votre compte est activé : vous pouvez vous connecter."))
    return RedirectResponse("/connexion", status_code=303)


@router.get("/mot-de-passe-oublie", response_class=HTMLResponse)
async def forgotten_page(request: Request) -> Response:
    return render(request, "forgotten.html", title="Mot de passe oublié", errors={})


@router.post("/mot-de-passe-oublie", response_class=HTMLResponse)
async def forgotten(request: Request) -> Response:
    form = await checked_form(request)
    email = str(form.get("courriel") or "").strip()
    if not email:
        return render(
            request,
            "forgotten.html",
            title="Mot de passe oublié — erreur",
            status_code=422,
            errors={"courriel": "Saisissez l'adresse électronique de votre compte."},
        )
    try:
        await portal_of(request).identity.call(
            "POST", "/v1/auth/password-reset", json={"email": email}
        )
    except ApiError as exc:
        if exc.status not in (422, 429):
            raise
        return render(
            request,
            "forgotten.html",
            title="Mot de passe oublié — erreur",
            status_code=exc.status,
            email=email,
            errors={"courriel": exc.fields.get("email") or exc.message},
        )
    holder = holder_of(request)
    holder.set(
        holder.visit.with_flash(
            "Si un compte actif existe pour cette adresse, un lien de réinitialisation vient "
            "d'y être envoyé. Il est valable une heure."
        )
    )
    return RedirectResponse("/connexion", status_code=303)


@router.get("/reinitialisation", response_class=HTMLResponse)
async def reset_page(request: Request, token: str = "") -> Response:
    return render(
        request, "reset.html", title="Choisir un nouveau mot de passe", token=token, errors={}
    )


@router.post("/reinitialisation", response_class=HTMLResponse)
async def reset(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token") or "")
    password = str(form.get("mot_de_passe") or "")
    again = str(form.get("confirmation") or "")
    errors: dict[str, str] = {}
    if not password:
        errors["mot_de_passe"] = "Saisissez votre nouveau mot de passe."
    elif password != again:
        errors["confirmation"] = "Les deux mots de passe saisis ne sont pas identiques."
    failure = ""
    status = 422
    if not errors:
        try:
            await portal_of(request).identity.call(
                "POST",
                "/v1/auth/password-reset/confirm",
                json={"token": token, "new_password": password},
            )
        except ApiError as exc:
            if exc.status not in (*_LINK_REFUSALS, 422, 429):
                raise
            if "new_password" in exc.fields:
                errors["mot_de_passe"] = exc.fields["new_password"]
            else:
                failure, status = _link_refusal(exc), exc.status
        else:
            holder = holder_of(request)
            holder.set(
                holder.visit.with_flash(
                    "Votre mot de passe est changé et toutes vos sessions sont fermées : "
                    "connectez-vous avec le nouveau."
                )
            )
            return RedirectResponse("/connexion", status_code=303)
    return render(
        request,
        "reset.html",
        title="Choisir un nouveau mot de passe — erreur",
        status_code=status,
        token=token,
        errors=errors,
        failure=failure,
    )
