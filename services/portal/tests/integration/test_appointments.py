"""« Prendre rendez-vous » through the portal, against appointments' real app: the steps, the
free slots and their next page, the form and its verification code (solved here as the
widget would, over the platform's tiny difficulty), the confirmation page, the refusals in
French at their fields, and the page the mails' manage link opens."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import httpx
from portal_platform import (
    ASSURE_EMAIL,
    MANAGE_URL,
    Platform,
    a_nir,
    agent_of_its_own,
    form_token,
    main_text,
    manage_links,
    sign_in,
    solved,
)
from servicekit import french

REASON = "cotisations-echeancier"
PARIS = {"motif": REASON, "region": "IDF", "agence": "agence-paris", "canal": "agence"}
SLOT = re.compile(r'name="creneau" value="([^"]+)"')
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
AGENT = "agent.rendez-vous@caisse.example"


def in_words(slot: str) -> str:
    """« mardi 12 janvier 2027 à 9 h 30 », at the agency's clock (the slot's own offset)."""
    moment = datetime.fromisoformat(slot)
    day = f"{WEEKDAYS[moment.weekday()]} {french.day(moment.date())}"
    return f"{day} à {moment.hour} h {moment.minute:02d}"


async def free_slots(browser: httpx.AsyncClient, **choice: str) -> list[str]:
    page = await browser.get("/rendez-vous/creneaux", params={**PARIS, **choice})
    assert page.status_code == 200, page.text
    return SLOT.findall(page.text)


async def places_left(world: Platform, agency_id: str, slot: str) -> int:
    async with world.client("appointments") as api:
        page = await api.get("/v1/slots", params={"agency_id": agency_id, "limit": 200})
    found = [s for s in page.json()["items"] if s["starts_at"] == slot]
    return int(found[0]["places_left"]) if found else 0


async def send_form(
    browser: httpx.AsyncClient,
    slot: str,
    nir: str,
    *,
    choice: dict[str, str] | None = None,
    proof: str | None = None,
    **changes: str | None,
) -> httpx.Response:
    """The form filled as a person would, the widget's solution included (unless ``proof``
    says otherwise); a field given ``None`` is left out."""
    chosen = {**PARIS, **(choice or {})}
    page = await browser.get("/rendez-vous/formulaire", params={**chosen, "creneau": slot})
    assert page.status_code == 200, page.text
    if proof is None:
        challenge = await browser.get("/rendez-vous/code-de-verification")
        assert challenge.status_code == 200, challenge.text
        proof = solved(challenge.json())
    data: dict[str, str | None] = {
        "csrf": form_token(page.text),
        **chosen,
        "creneau": slot,
        "nir": nir,
        "prenoms": "Léa",
        "nom": "Martin",
        "adresse": "4 place Bellecour, 69002 Lyon",
        "mobile": "06 12 34 56 78",
        "courriel": "lea.martin@exemple.fr",
        "conditions": "oui",
        "code_verification": proof,
        **changes,
    }
    return await browser.post(
        "/rendez-vous/formulaire", data={k: v for k, v in data.items() if v is not None}
    )


async def test_the_whole_booking_from_the_reason_to_the_confirmation_page(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        first = await browser.get("/rendez-vous")
        assert first.status_code == 200
        text = main_text(first.text)
        assert "Étape 1 sur 4" in text
        assert "Mes cotisations" in text
        assert "Comprendre mon échéancier" in text

        regions = await browser.get("/rendez-vous/lieu", params={"motif": REASON})
        assert "Île-de-France" in main_text(regions.text)
        agencies = await browser.get("/rendez-vous/lieu", params={"motif": REASON, "region": "IDF"})
        text = main_text(agencies.text)
        assert "Agence de Paris" in text
        assert "22 rue de Lagny, 75020 Paris" in text
        assert "En visioconférence" in text

        page = await browser.get("/rendez-vous/creneaux", params=PARIS)
        slots = SLOT.findall(page.text)
        assert slots
        first_slot = slots[0]
        moment = datetime.fromisoformat(first_slot)
        text = main_text(page.text)
        assert "Étape 3 sur 4" in text
        assert in_words(first_slot).split(" à ")[0].capitalize() in text
        assert f"{moment.hour} h {moment.minute:02d}" in text

        before = await places_left(world, "agence-paris", first_slot)
        sent = await send_form(browser, first_slot, a_nir(1))
        assert sent.status_code == 303, main_text(sent.text)
        assert sent.headers["location"] == "/rendez-vous/confirmation"
        assert await places_left(world, "agence-paris", first_slot) == before - 1

        done = await browser.get("/rendez-vous/confirmation")
        text = main_text(done.text)
        assert "Votre demande de rendez-vous est enregistrée" in text
        assert "Vous serez recontacté par un agent afin de confirmer et préparer" in text
        assert "Agence de Paris, 22 rue de Lagny, 75020 Paris" in text
        assert f"Le {in_words(first_slot)}" in text
        assert "Comprendre mon échéancier" in text
        # the mail is sent by notifications after the event: the page says it is coming
        assert "va vous être envoyé à l'adresse lea.martin@exemple.fr" in text
        assert "a été envoyé" not in text

        again = main_text((await browser.get("/rendez-vous/confirmation")).text)
        assert "Aucune demande de rendez-vous récente" in again


async def test_the_next_page_of_slots_follows_the_first(world: Platform) -> None:
    async with world.portal() as browser:
        page = await browser.get("/rendez-vous/creneaux", params=PARIS)
        first = SLOT.findall(page.text)
        found = re.search(r'href="([^"]+)">Créneaux suivants<', page.text)
        assert found, "no « Créneaux suivants »"
        following = await browser.get(html.unescape(found.group(1)))
        assert following.status_code == 200
        second = SLOT.findall(following.text)
        assert second
        assert datetime.fromisoformat(second[0]) > datetime.fromisoformat(first[-1])
        assert "Premiers créneaux libres" in main_text(following.text)


async def test_a_slot_taken_meanwhile_offers_the_next_free_ones(world: Platform) -> None:
    async with world.portal() as browser:
        dijon = {"region": "BFC", "agence": "agence-dijon"}  # an agency no other test books
        wanted = (await free_slots(browser, **dijon))[2]
        # the agency sets that slot's places to none while the person fills the form
        await agent_of_its_own(world, AGENT)
        headers = {"Authorization": f"Bearer {await world.token_of(AGENT)}"}
        async with world.client("appointments") as api:
            closed = await api.put(
                f"/v1/agencies/agence-dijon/slots/{wanted}/capacity",
                json={"capacity": 0},
                headers=headers,
            )
            assert closed.status_code == 200, closed.text

        full = await send_form(browser, wanted, a_nir(2), choice=dijon)
        assert full.status_code == 409
        text = main_text(full.text)
        assert "est complet à l'Agence de Dijon : choisissez un autre créneau" in text
        offered = SLOT.findall(full.text)
        assert offered
        assert wanted not in offered
        assert 'value="Martin"' in full.text  # what was typed is kept
        assert "<altcha-widget" in full.text

        booked = await send_form(browser, offered[0], a_nir(2), choice=dijon)
        assert booked.status_code == 303
        done = main_text((await browser.get("/rendez-vous/confirmation")).text)
        assert f"Le {in_words(offered[0])}" in done


async def test_missing_fields_are_each_said_at_their_field(world: Platform) -> None:
    async with world.portal() as browser:
        slot = (await free_slots(browser))[3]
        sent = await send_form(
            browser,
            slot,
            "",
            proof="",
            prenoms="",
            nom="",
            adresse="",
            mobile="",
            courriel="",
            conditions=None,
        )
        assert sent.status_code == 422
        text = main_text(sent.text)
        assert "Le formulaire contient 8 erreurs" in text
        assert "Saisissez votre numéro de sécurité sociale" in text
        assert "Acceptez les conditions d'utilisation pour prendre rendez-vous." in text
        assert "Le code de vérification n'a pas été calculé" in text
        for field in ("nir", "prenoms", "nom", "adresse", "mobile", "courriel"):
            assert re.search(
                rf'id="{field}" name="{field}"[^>]*aria-describedby="[^"]*{field}-erreur"'
                r'[^>]*aria-invalid="true"',
                sent.text,
            ), field
        assert 'id="conditions-erreur"' in sent.text
        assert 'id="code_verification-erreur"' in sent.text


async def test_appointments_refusals_are_said_in_french_at_their_field(world: Platform) -> None:
    async with world.portal() as browser:
        slot = (await free_slots(browser))[4]
        wrong_key = a_nir(3)[:-2] + "00"
        refusals = [
            (await send_form(browser, slot, wrong_key), "nir", "n'est pas valide"),
            (
                await send_form(browser, slot, a_nir(3), mobile="01 23 45 67 89"),
                "mobile",
                "n'est pas un numéro de mobile",
            ),
            (
                await send_form(browser, slot, a_nir(3), courriel="pas-une-adresse"),
                "courriel",
                "Cette adresse électronique n'est pas valide",  # appointments' words
            ),
        ]
        for sent, field, said in refusals:
            assert sent.status_code == 422, field
            found = re.search(rf'<p class="fr-error-text" id="{field}-erreur">([^<]+)<', sent.text)
            assert found, field
            assert said in html.unescape(found.group(1))
            assert "email address" not in sent.text
            assert 'value="Léa"' in sent.text


async def test_a_solution_of_the_verification_code_books_once(world: Platform) -> None:
    async with world.portal() as browser:
        slots = await free_slots(browser)
        challenge = (await browser.get("/rendez-vous/code-de-verification")).json()
        proof = solved(challenge)
        first = await send_form(browser, slots[5], a_nir(4), proof=proof)
        assert first.status_code == 303
        reused = await send_form(browser, slots[6], a_nir(5), proof=proof)
        assert reused.status_code == 422
        found = re.search(r'id="code_verification-erreur">([^<]+)<', reused.text)
        assert found
        assert "Ce code de vérification a déjà servi" in html.unescape(found.group(1))


async def test_a_third_open_request_of_the_same_person_is_refused(world: Platform) -> None:
    async with world.portal() as browser:
        slots = await free_slots(browser)
        for slot in slots[7:9]:
            assert (await send_form(browser, slot, a_nir(6))).status_code == 303
        third = await send_form(browser, slots[9], a_nir(6))
        assert third.status_code == 409
        text = main_text(third.text)
        assert "Vous avez déjà 2 rendez-vous à venir" in text
        assert 'id="nir-erreur"' in third.text


async def test_an_assure_signed_in_finds_the_form_filled(world: Platform) -> None:
    async with world.portal() as browser:
        await sign_in(browser, ASSURE_EMAIL)
        slot = (await free_slots(browser))[10]
        page = await browser.get("/rendez-vous/formulaire", params={**PARIS, "creneau": slot})
        assert page.status_code == 200
        assert 'id="prenoms" name="prenoms" value="Jean"' in page.text
        assert 'id="nom" name="nom" value="Dupont"' in page.text
        assert 'value="12 rue des Lilas, 69003 Lyon"' in page.text
        assert 'value="jean@dupont.fr"' in page.text
        assert 'id="nir" name="nir" value=""' in page.text  # appointments never has it


async def test_the_form_works_the_widget_and_says_what_needs_javascript(world: Platform) -> None:
    async with world.portal() as browser:
        slot = (await free_slots(browser))[0]
        page = await browser.get("/rendez-vous/formulaire", params={**PARIS, "creneau": slot})
        assert '<script type="module" src="/static/altcha/altcha.js"></script>' in page.text
        assert '<link rel="stylesheet" href="/static/altcha/altcha.css">' in page.text
        widget = re.search(r"<altcha-widget ([^>]+)>", page.text)
        assert widget
        assert 'challengeurl="/rendez-vous/code-de-verification"' in widget.group(1)
        assert 'name="code_verification"' in widget.group(1)
        strings = re.search(r'strings="([^"]+)"', widget.group(1))
        assert strings
        texts = json.loads(html.unescape(strings.group(1)))
        assert texts["label"] == "Je ne suis pas un robot"
        assert texts["verifying"] == "Vérification en cours…"
        noscript = re.search(r"<noscript>(.*?)</noscript>", page.text, re.S)
        assert noscript
        assert "Sans JavaScript, la demande ne peut pas être envoyée" in noscript.group(1)
        # only this page loads the widget
        assert "/static/altcha/" not in (await browser.get("/rendez-vous")).text


async def test_the_widget_is_served_to_run_under_the_content_security_policy(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        script = await browser.get("/static/altcha/altcha.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert b"altcha-widget" in script.content
        assert b"createObjectURL" not in script.content  # its worker is a file, not a blob:
        worker = await browser.get("/static/altcha/worker.js")
        assert worker.status_code == 200
        assert (await browser.get("/static/altcha/altcha.css")).status_code == 200
        policy = (await browser.get("/rendez-vous")).headers["content-security-policy"]
        assert "worker-src 'self'" in policy
        assert "script-src 'self';" in policy
        for loose in ("unsafe-eval", "unsafe-inline", "blob:", "*"):
            assert loose not in policy


async def test_the_challenge_route_serves_appointments_challenge(world: Platform) -> None:
    async with world.portal() as browser:
        resp = await browser.get("/rendez-vous/code-de-verification")
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-store"
        challenge = resp.json()
        assert challenge["algorithm"] == "SHA-256"
        assert challenge["maxnumber"] == 10
        assert {"challenge", "salt", "signature"} <= challenge.keys()


async def test_a_step_missing_its_choice_sends_back_to_it(world: Platform) -> None:
    async with world.portal() as browser:
        no_reason = await browser.get("/rendez-vous/lieu", params={"motif": "inconnu"})
        assert no_reason.status_code == 422
        assert "Choisissez l'objet et le motif de votre visite." in main_text(no_reason.text)
        no_channel = await browser.get(
            "/rendez-vous/creneaux",
            params={"motif": REASON, "region": "GES", "agence": "agence-reims", "canal": "visio"},
        )
        assert no_channel.status_code == 422
        assert "L'Agence de Reims ne propose pas de rendez-vous en visioconférence" in (
            main_text(no_channel.text)
        )
        no_slot = await browser.get("/rendez-vous/formulaire", params=PARIS)
        assert no_slot.status_code == 422
        assert "Choisissez un créneau parmi les créneaux libres." in main_text(no_slot.text)


async def _booked(world: Platform, browser: httpx.AsyncClient, nir: str, index: int) -> str:
    """A booking through the portal; the manage link of its mail (as notifications opens it)."""
    before = len(await manage_links(world))
    slot = (await free_slots(browser))[index]
    assert (await send_form(browser, slot, nir)).status_code == 303
    links = await manage_links(world)
    assert len(links) == before + 1
    return links[-1]


def _path(link: str) -> str:
    parsed = urlparse(link)
    return f"{parsed.path}?{parsed.query}"


def _token(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


async def test_the_mails_link_opens_the_portals_manage_page(world: Platform) -> None:
    async with world.portal() as browser:
        link = await _booked(world, browser, a_nir(7), 11)
        assert link.startswith(MANAGE_URL + "?token=")
        page = await browser.get(_path(link))
        assert page.status_code == 200
        text = main_text(page.text)
        assert "Gérer mon rendez-vous" in text
        assert "Demandé, à confirmer" in text
        assert "Léa Martin" in text
        assert "Agence de Paris, 22 rue de Lagny, 75020 Paris" in text
        assert "Déplacer mon rendez-vous" in text
        assert "Annuler mon rendez-vous" in text


async def test_the_manage_page_moves_the_appointment_and_the_old_link_is_spent(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        link = await _booked(world, browser, a_nir(8), 2)
        page = await browser.get(_path(link))
        offered = SLOT.findall(page.text)
        target = offered[5]
        before = await places_left(world, "agence-paris", target)
        moved = await browser.post(
            "/rendez-vous/gestion/deplacement",
            data={"csrf": form_token(page.text), "token": _token(link), "creneau": target},
        )
        assert moved.status_code == 303
        assert moved.headers["location"].startswith("/rendez-vous/gestion?token=")
        assert await places_left(world, "agence-paris", target) == before - 1
        now = await browser.get(moved.headers["location"])
        text = main_text(now.text)
        assert f"Votre rendez-vous est déplacé au {in_words(target)}" in text
        assert f"Le {in_words(target)}" in text

        spent = await browser.get(_path(link))
        assert spent.status_code == 410
        assert "Ce lien a déjà servi" in main_text(spent.text)


async def test_the_manage_page_cancels_and_frees_the_place(world: Platform) -> None:
    async with world.portal() as browser:
        slot = (await free_slots(browser))[3]
        link = await _booked(world, browser, a_nir(9), 3)
        before = await places_left(world, "agence-paris", slot)
        page = await browser.get(_path(link))
        done = await browser.post(
            "/rendez-vous/gestion/annulation",
            data={"csrf": form_token(page.text), "token": _token(link)},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/rendez-vous"
        text = main_text((await browser.get("/rendez-vous")).text)
        assert f"Votre rendez-vous du {in_words(slot)} à l'Agence de Paris est annulé" in text
        assert await places_left(world, "agence-paris", slot) == before + 1
        assert (await browser.get(_path(link))).status_code == 410


async def test_a_link_that_is_not_one_gets_a_french_404(world: Platform) -> None:
    async with world.portal() as browser:
        for path in ("/rendez-vous/gestion?token=abc.def", "/rendez-vous/gestion"):
            resp = await browser.get(path)
            assert resp.status_code == 404
            text = main_text(resp.text)
            assert "Ce lien n'est pas valide" in text
        token = form_token((await browser.get("/connexion")).text)
        forged = await browser.post(
            "/rendez-vous/gestion/annulation", data={"csrf": token, "token": "abc.def"}
        )
        assert forged.status_code == 404


async def test_every_form_of_the_booking_and_the_link_needs_the_visits_token(
    world: Platform,
) -> None:
    async with world.portal() as browser:
        await browser.get("/rendez-vous")  # the visit and its token exist
        for path in (
            "/rendez-vous/formulaire",
            "/rendez-vous/gestion/annulation",
            "/rendez-vous/gestion/deplacement",
        ):
            for sent in ({}, {"csrf": "un-jeton-d-une-autre-session"}):
                resp = await browser.post(path, data={**sent, "token": "abc.def", **PARIS})
                assert resp.status_code == 403, path
                assert "Formulaire refusé" in main_text(resp.text)
