"""« Prendre rendez-vous », public (no sign-in; an assuré signed in gets the form pre-filled):
the object and reason, the region and the agency, the channel, a free slot, then the form and
its verification code (ALTCHA's proof of work, solved by the browser: ADR 0018), and the
confirmation page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from portal.adapters.apis import ApiError
from portal.domain import appointments as appointment_words
from portal.domain.appointments import CHANNELS, by_day, opened_receipt, receipt_of
from portal.entrypoints.appointment_choice import (
    STEPS,
    Choice,
    StepRefused,
    appointments,
    chosen_place,
    chosen_reason,
    chosen_slot,
    place_page,
    query,
    reason_page,
    slots_page,
)
from portal.entrypoints.web import checked_form, holder_of, render, with_token

router = APIRouter()

FIELDS = {
    "nir": "nir",
    "first_names": "prenoms",
    "last_name": "nom",
    "address": "adresse",
    "mobile": "mobile",
    "email": "courriel",
    "terms_accepted": "conditions",
    "captcha": "code_verification",
    "starts_at": "creneau",
}
"""appointments' field → the form's input."""
TYPED = ("nir", "prenoms", "nom", "adresse", "mobile", "courriel")
REQUIRED = {
    "nir": "Saisissez votre numéro de sécurité sociale (15 caractères, clé comprise).",
    "prenoms": "Saisissez votre prénom.",
    "nom": "Saisissez votre nom.",
    "adresse": "Saisissez votre adresse postale.",
    "mobile": "Saisissez votre numéro de téléphone mobile.",
    "courriel": "Saisissez votre adresse électronique.",
    "conditions": "Acceptez les conditions d'utilisation pour prendre rendez-vous.",
    "code_verification": "Le code de vérification n'a pas été calculé : cochez « Je ne suis pas "
    "un robot » et attendez la fin de la vérification (JavaScript doit être activé).",
}
IN_FRENCH = {
    "courriel": "Saisissez une adresse électronique valable, par exemple nom@exemple.fr.",
    "nir": "Le numéro de sécurité sociale n'est pas valide.",
    "mobile": "Saisissez un numéro de mobile, par exemple 06 12 34 56 78.",
}
"""For the rare refusal appointments writes in English (a malformed e-mail address)."""
ALTCHA_STRINGS = json.dumps(
    {
        "ariaLinkLabel": "Site d'ALTCHA (nouvelle fenêtre)",
        "enterCode": "Saisissez le code",
        "enterCodeAria": "Saisissez le code entendu. Appuyez sur Espace pour l'écouter.",
        "error": "La vérification a échoué. Réessayez dans quelques instants.",
        "expired": "La vérification a expiré. Cochez la case à nouveau.",
        "footer": "Protégé par ALTCHA",
        "getAudioChallenge": "Écouter un code",
        "label": "Je ne suis pas un robot",
        "loading": "Chargement…",
        "reload": "Recharger",
        "verify": "Vérifier",
        "verificationRequired": "Cochez la case « Je ne suis pas un robot » avant d'envoyer.",
        "verified": "Vérification faite",
        "verifying": "Vérification en cours…",
        "waitAlert": "Vérification en cours, patientez quelques secondes.",
    },
    ensure_ascii=False,
)
"""The widget's texts in French (its ``strings`` attribute)."""


@router.get("/rendez-vous", response_class=HTMLResponse)
async def start(request: Request, motif: str = "") -> Response:
    """Step 1: the object and the reason of the visit."""
    return await reason_page(request, chosen=motif)


@router.get("/rendez-vous/lieu", response_class=HTMLResponse)
async def place(
    request: Request, motif: str = "", region: str = "", agence: str = "", canal: str = ""
) -> Response:
    """Step 2: the region, then one of its agencies, and the channel."""
    try:
        reason = await chosen_reason(request, motif)
    except StepRefused as refused:
        return refused.page
    return await place_page(request, reason, region, agency_id=agence, channel=canal)


@router.get("/rendez-vous/creneaux", response_class=HTMLResponse)
async def slots(
    request: Request,
    motif: str = "",
    region: str = "",
    agence: str = "",
    canal: str = "",
    curseur: str = "",
    creneau: str = "",
) -> Response:
    """Step 3: the agency's free slots for that channel, by day; « Créneaux suivants »."""
    params = {"motif": motif, "region": region, "agence": agence, "canal": canal}
    try:
        choice = await chosen_place(request, params)
    except StepRefused as refused:
        return refused.page
    chosen = Choice(choice.reason, choice.region, choice.agency, choice.channel, creneau)
    return await slots_page(request, chosen, curseur)


@router.get("/rendez-vous/formulaire", response_class=HTMLResponse)
async def form_page(
    request: Request,
    motif: str = "",
    region: str = "",
    agence: str = "",
    canal: str = "",
    creneau: str = "",
) -> Response:
    """Step 4: the form, pre-filled for an assuré signed in (appointments knows their
    coordinates from identity's registry; never the NIR)."""
    params = {"motif": motif, "region": region, "agence": agence, "canal": canal}
    try:
        choice = await chosen_slot(request, {**params, "creneau": creneau})
    except StepRefused as refused:
        return refused.page
    api = appointments(request)
    visit = holder_of(request).visit
    if visit.signed_in and visit.is_assure:
        made = await with_token(request, api.booking_form)
    else:
        made = await api.booking_form(None)
    prefill = made.get("prefill") or {}
    typed = {FIELDS[k]: str(v) for k, v in prefill.items() if k in FIELDS and v}
    return _form(request, choice, typed=typed)


def _form(
    request: Request,
    choice: Choice,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    failure: str = "",
    offers: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "appointment_form.html",
        title="Prendre rendez-vous — vos coordonnées" + (" — erreur" if status >= 400 else ""),
        status_code=status,
        steps=STEPS,
        step=4,
        choice=choice,
        channels=CHANNELS,
        typed=typed,
        errors=errors or {},
        failure=failure,
        offer_days=by_day(offers or []),
        back=query(**choice.params(creneau=choice.slot)),
        altcha_strings=ALTCHA_STRINGS,
    )


@router.post("/rendez-vous/formulaire", response_class=HTMLResponse)
async def book(request: Request) -> Response:
    """The booking: the place is held at once (or the page says why not, at its field)."""
    form = await checked_form(request)
    params = {k: str(form.get(k) or "") for k in ("motif", "region", "agence", "canal", "creneau")}
    try:
        choice = await chosen_slot(request, params)
    except StepRefused as refused:
        return refused.page
    typed = {name: str(form.get(name) or "").strip() for name in TYPED}
    accepted = form.get("conditions") == "oui"
    proof = str(form.get("code_verification") or "")
    errors = {name: REQUIRED[name] for name in TYPED if not typed[name]}
    if not accepted:
        errors["conditions"] = REQUIRED["conditions"]
    if not proof:
        errors["code_verification"] = REQUIRED["code_verification"]
    if errors:
        return _form(request, choice, typed=typed, errors=errors, status=422)
    body = {
        "agency_id": choice.agency["agency_id"],
        "starts_at": choice.slot,
        "reason_code": choice.reason["code"],
        "channel": choice.channel,
        "nir": typed["nir"],
        "first_names": typed["prenoms"],
        "last_name": typed["nom"],
        "address": typed["adresse"],
        "mobile": typed["mobile"],
        "email": typed["courriel"],
        "terms_accepted": True,
        "captcha": proof,
    }
    api = appointments(request)
    visit = holder_of(request).visit
    try:
        if visit.signed_in and visit.is_assure:  # the booking is then tied to their dossier
            booked = await with_token(request, lambda t: api.book(body, t))
        else:
            booked = await api.book(body, None)
    except ApiError as exc:
        if exc.status not in (404, 409, 422, 429):
            raise
        return _refused(request, choice, typed, exc)
    holder = holder_of(request)
    holder.set(holder.visit.with_receipt(receipt_of(booked, typed["courriel"])))
    return RedirectResponse("/rendez-vous/confirmation", status_code=303)


def _refused(
    request: Request, choice: Choice, typed: dict[str, str], exc: ApiError
) -> HTMLResponse:
    """appointments' refusal on the form again: a field's error at its field, a full slot
    with the next free ones offered, anything else said above the form."""
    errors: dict[str, str] = {}
    for field, message in exc.fields.items():
        name = FIELDS.get(field)
        if name is None or name == "creneau":
            continue
        errors[name] = message if not message.isascii() else IN_FRENCH.get(name, exc.message)
    offers = exc.body.get("next_free_slots") if exc.kind == "slot-full" else None
    failure = "" if errors else exc.message
    return _form(
        request,
        choice,
        typed=typed,
        errors=errors,
        failure=failure,
        offers=offers if isinstance(offers, list) else None,
        status=exc.status,
    )


@router.get("/rendez-vous/confirmation", response_class=HTMLResponse)
async def confirmation(request: Request) -> Response:
    """The booking just made, shown once (the visit forgets it once shown)."""
    holder = holder_of(request)
    receipt = opened_receipt(holder.visit.receipt)
    if receipt is not None:
        holder.set(holder.visit.with_receipt(""))
    return render(
        request,
        "appointment_booked.html",
        title="Demande de rendez-vous enregistrée" if receipt else "Prendre rendez-vous",
        receipt=receipt,
        channels=CHANNELS,
        words_rdv=appointment_words,
    )


@router.get("/rendez-vous/code-de-verification")
async def challenge(request: Request) -> Response:
    """A new challenge for the widget (``challengeurl``): appointments' ``GET /v1/captcha``,
    fetched each time the person starts the check, so a form left open stays usable."""
    try:
        made = await appointments(request).captcha()
    except ApiError as exc:
        status = 503 if exc.status >= 500 else exc.status
        return JSONResponse({"detail": exc.message}, status_code=status)
    return JSONResponse(made)
