"""The agents' pages of an agency's capacity, against appointments' real app and identity's
real agent accounts: « Créneaux de l'agence » and a slot's capacity changed (refused in
appointments' words below the places taken), « Fermer l'agence » after its confirmation (the
booked appointment of that day cancelled, and counted), « Fiche de l'agence » changed and
shown; anyone else refused in French, a form without the visit's token refused.

Each test works on an agency no other test of the portal books: a closure or a record
changed there touches nobody else's appointments."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    Platform,
    a_nir,
    agent_of_its_own,
    booked_through_the_api,
    form_token,
    main_text,
    sign_in,
)
from servicekit import french

AGENT = "agent.capacites@caisse.example"
RENNES = "agence-rennes"  # the capacities
ORLEANS = "agence-orleans"  # a closure made
AMIENS = "agence-amiens"  # closures refused
LIMOGES = "agence-limoges"  # the record
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class _Form(HTMLParser):
    """The fields a browser would send with the form posted to ``action``: its inputs (a box
    only when ticked) and textareas, with their values as the page fills them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif self.inside and tag == "textarea":
            self.textarea = a.get("name", "")
            self.fields.append((self.textarea, ""))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str, action: str) -> dict[str, Any]:
    """The form's fields by name (a name sent several times: the list of its values)."""
    parser = _Form(action)
    parser.feed(page)
    found: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in found:
            found[name] = [
                *(found[name] if isinstance(found[name], list) else [found[name]]),
                value,
            ]
        else:
            found[name] = value
    assert found, f"no form posted to {action}"
    return found


async def signed_in_agent(world: Platform, browser: httpx.AsyncClient) -> None:
    await agent_of_its_own(world, AGENT)
    resp = await sign_in(browser, AGENT)
    assert resp.status_code == 303, resp.text


async def agency_record(world: Platform, agency_id: str) -> dict[str, Any]:
    async with world.client("appointments") as api:
        found: dict[str, Any] = (await api.get(f"/v1/agencies/{agency_id}")).json()
        return found


async def events_of(world: Platform, appointment_id: str, event: str) -> list[dict[str, Any]]:
    return [
        json.loads(row["payload"])
        for row in await world.outbox("appointments")
        if row["event_type"] == f"appointments.appointment.{event}.v1"
        and row["key"] == appointment_id
    ]


def field_error(page: str, field: str) -> str:
    """The error shown at ``field``, once its input says it is invalid and points at it."""
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-erreur"', page), field
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page), field
    found = re.search(rf'<p class="fr-error-text" id="{field}-erreur">([^<]+)</p>', page)
    assert found, field
    assert f'href="#{field}"' in page  # the error summary links to it
    return html.unescape(found.group(1))


def words_of(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {french.day(day)}"


async def test_a_slots_capacity_is_raised_then_refused_below_the_places_taken(
    world: Platform,
) -> None:
    booked = await booked_through_the_api(world, RENNES, a_nir(201), slot=0)
    starts = datetime.fromisoformat(booked["starts_at"])
    key = f"{starts:%H%M}"
    field = f"capacite-{key}"
    path = f"/gestion/rendez-vous/agences/{RENNES}/creneaux"
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        listing = await browser.get(f"/gestion/rendez-vous/agences/{RENNES}")
        for tail in ("/creneaux", "/fermeture", "/fiche"):
            assert f'href="/gestion/rendez-vous/agences/{RENNES}{tail}"' in listing.text

        page = await browser.get(path, params={"jour": starts.date().isoformat()})
        assert page.status_code == 200, main_text(page.text)
        text = main_text(page.text)
        assert f"Le {words_of(starts.date())}" in text
        assert "Capacité par défaut : 3 places par créneau de 30 minutes." in text
        time_words = f"{starts.hour} h {starts.minute:02d}"
        # the booked slot: 3 places by default, 1 taken
        assert re.search(rf"{time_words} – \d+ h \d\d 2 libres", text), text
        # the slot cut from the opening hours is the very instant appointments booked
        assert f'name="creneau" value="{starts.isoformat()}"' in page.text

        raised = await browser.post(
            f"{path}/capacite",
            data={"csrf": form_token(page.text), "creneau": starts.isoformat(), "capacite": "6"},
        )
        assert raised.status_code == 303, main_text(raised.text)
        assert raised.headers["location"] == f"{path}?jour={starts.date().isoformat()}"
        after = main_text((await browser.get(raised.headers["location"])).text)
        assert (
            f"Créneau du {words_of(starts.date())} à {time_words} : la capacité est de 6 "
            "places, 1 place prise." in after
        )
        assert re.search(rf"{time_words} – \d+ h \d\d 5 libres", after), after

        lowered = await browser.post(
            f"{path}/capacite",
            data={"csrf": form_token(page.text), "creneau": starts.isoformat(), "capacite": "0"},
        )
        assert lowered.status_code == 409
        said = field_error(lowered.text, field)
        assert (
            "1 place de ce créneau est déjà prise : la capacité ne peut pas être inférieure à 1."
            in said
        )
        assert re.search(rf'id="{field}"[^>]*value="0"', lowered.text)  # what was typed kept

        not_a_number = await browser.post(
            f"{path}/capacite",
            data={"csrf": form_token(page.text), "creneau": starts.isoformat(), "capacite": "x"},
        )
        assert not_a_number.status_code == 422
        assert field_error(not_a_number.text, field) == (
            "Saisissez un nombre entier de places, de 0 à 100."
        )

        night = starts.replace(hour=3, minute=0).isoformat()
        not_a_slot = await browser.post(
            f"{path}/capacite",
            data={"csrf": form_token(page.text), "creneau": night, "capacite": "2"},
        )
        assert not_a_slot.status_code == 404
        assert "Ce n'est pas un créneau de l'Agence de Rennes." in main_text(not_a_slot.text)

        wrong_day = await browser.get(path, params={"jour": "31/02/2027"})
        assert wrong_day.status_code == 422
        assert field_error(wrong_day.text, "jour") == (
            "Saisissez une date valide, par exemple 12/01/2027."
        )
    # what the agent set stands: the slot holds 6 places, 1 taken
    async with world.client("appointments") as api:
        free = (
            await api.get(
                "/v1/slots",
                params={"agency_id": RENNES, "from": starts.date().isoformat(), "limit": 50},
            )
        ).json()["items"]
        [slot] = [s for s in free if datetime.fromisoformat(s["starts_at"]) == starts]
        assert slot["places_left"] == 5


async def test_a_closure_cancels_the_booked_appointment_of_that_day_and_says_how_many(
    world: Platform,
) -> None:
    booked = await booked_through_the_api(world, ORLEANS, a_nir(202), slot=0)
    day = datetime.fromisoformat(booked["starts_at"]).date()
    async with world.client("appointments") as api:
        free = (await api.get("/v1/slots", params={"agency_id": ORLEANS, "limit": 60})).json()
    later = next(
        i
        for i, s in enumerate(free["items"])
        if datetime.fromisoformat(s["starts_at"]).date() > day
    )
    kept = await booked_through_the_api(world, ORLEANS, a_nir(203), slot=later)
    path = f"/gestion/rendez-vous/agences/{ORLEANS}/fermeture"
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        form = await browser.get(path)
        assert form.status_code == 200
        assert "Aucune fermeture enregistrée." in main_text(form.text)
        asked = await browser.post(
            path,
            data={
                "csrf": form_token(form.text),
                "premier_jour": f"{day:%d/%m/%Y}",
                "dernier_jour": day.isoformat(),
                "libelle": "Inventaire annuel",
            },
        )
        assert asked.status_code == 200, main_text(asked.text)
        text = main_text(asked.text)
        assert f"L'agence sera fermée le {french.day(day)} (« Inventaire annuel »)" in text
        assert "seront annulés : 1 rendez-vous est pris à ce jour." in text
        assert "Chaque personne sera avertie par courriel" in text
        # nothing closed, nothing cancelled before the confirmation
        assert (await agency_record(world, ORLEANS))["closures"] == []
        assert await events_of(world, booked["appointment_id"], "cancelled") == []

        done = await browser.post(
            f"{path}/confirmation", data=form_fields(asked.text, f"{path}/confirmation")
        )
        assert (done.status_code, done.headers["location"]) == (303, path)
        after = main_text((await browser.get(path)).text)
        assert (
            f"L'Agence d'Orléans est fermée le {french.day(day)}. 1 rendez-vous est annulé : "
            "chaque personne va en être avertie par courriel, avec les prochains créneaux "
            "libres de l'agence." in after
        )
        assert f"{french.day(day)} {french.day(day)} Inventaire annuel" in after

        slots = main_text(
            (
                await browser.get(
                    f"/gestion/rendez-vous/agences/{ORLEANS}/creneaux",
                    params={"jour": day.isoformat()},
                )
            ).text
        )
        assert "L'agence est fermée ce jour-là : Inventaire annuel" in slots
        appointment = main_text(
            (await browser.get(f"/gestion/rendez-vous/{booked['appointment_id']}")).text
        )
        assert "État Annulé (par la fermeture de l'agence)" in appointment

    [event] = await events_of(world, booked["appointment_id"], "cancelled")
    assert event["cancelled_by"] == "closure"
    assert event["explanation"] == "Inventaire annuel"
    assert event["next_free_slots"]  # what the person's mail offers instead
    assert await events_of(world, kept["appointment_id"], "cancelled") == []
    [closure] = (await agency_record(world, ORLEANS))["closures"]
    assert closure == {
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
        "label": "Inventaire annuel",
    }


async def test_a_closure_ending_before_it_starts_is_refused_at_its_field(
    world: Platform,
) -> None:
    path = f"/gestion/rendez-vous/agences/{AMIENS}/fermeture"
    first = datetime.now(UTC).date() + timedelta(days=20)
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        form = await browser.get(path)
        backwards = {
            "csrf": form_token(form.text),
            "premier_jour": first.isoformat(),
            "dernier_jour": (first - timedelta(days=1)).isoformat(),
            "libelle": "",
        }
        refused = await browser.post(path, data=backwards)
        assert refused.status_code == 422
        assert field_error(refused.text, "dernier_jour") == (
            "Le dernier jour ne peut pas précéder le premier."
        )
        assert f'value="{first.isoformat()}"' in refused.text  # what was typed kept

        past = await browser.post(
            path,
            data={**backwards, "premier_jour": "01/01/2020", "dernier_jour": "02/01/2020"},
        )
        assert past.status_code == 422
        assert field_error(past.text, "premier_jour") == (
            "Ce jour est passé : une fermeture commence aujourd'hui au plus tôt."
        )

        # sent straight to the confirmation, the closure is appointments' to refuse
        confirmed = await browser.post(f"{path}/confirmation", data=backwards)
        assert confirmed.status_code == 422
        assert field_error(confirmed.text, "dernier_jour") == (
            "La fermeture finit avant de commencer."
        )
    assert (await agency_record(world, AMIENS))["closures"] == []


async def test_the_agencys_record_is_changed_and_shown(world: Platform) -> None:
    path = f"/gestion/rendez-vous/agences/{LIMOGES}/fiche"
    before = await agency_record(world, LIMOGES)
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        page = await browser.get(path)
        assert page.status_code == 200
        text = main_text(page.text)
        assert f"Adresse {before['address']}" in text
        assert "Région Nouvelle-Aquitaine" in text  # its name, not the code « NAQ »
        assert "Lundi : 8 h 30 – 12 h 00, 13 h 30 – 16 h 30" in text
        assert "Types de rendez-vous À l'agence, Par téléphone" in text
        fields = form_fields(page.text, path)
        assert fields["adresse"] == before["address"]
        assert fields["horaire-0-1-ouverture"] == "08:30"
        assert fields["horaire-5-1-ouverture"] == ""  # Saturday: closed

        changed = {
            **fields,
            "adresse": "8 cours Jourdan, 87000 Limoges",
            "accessibilite": "Rampe d'accès, boucle magnétique",
            "canaux": ["agence", "visio"],
            "horaire-0-1-ouverture": "09:00",
            "horaire-5-1-ouverture": "09:00",
            "horaire-5-1-fermeture": "12:00",
            "capacite": "3",
        }
        saved = await browser.post(path, data=changed)
        assert (saved.status_code, saved.headers["location"]) == (303, path), main_text(saved.text)
        after = main_text((await browser.get(path)).text)
        assert (
            f"La fiche de l'Agence de Limoges est enregistrée (version {before['version'] + 1})"
            in after
        )
        assert "Adresse 8 cours Jourdan, 87000 Limoges" in after
        assert "Accessibilité Rampe d'accès, boucle magnétique" in after
        assert "Types de rendez-vous À l'agence, En visioconférence" in after
        assert "Lundi : 9 h 00 – 12 h 00, 13 h 30 – 16 h 30" in after
        assert "Samedi : 9 h 00 – 12 h 00" in after
        assert "Capacité par défaut 3 places par créneau" in after

        overlapping = await browser.post(path, data={**changed, "horaire-0-2-ouverture": "11:00"})
        assert overlapping.status_code == 422
        assert field_error(overlapping.text, "horaire-0-2-ouverture") == (
            "Le lundi de 11:00 à 16:30 chevauche la période de 09:00 à 12:00."
        )
        no_channel = await browser.post(path, data={**changed, "canaux": []})
        assert no_channel.status_code == 422
        assert re.search(
            r'id="canaux" aria-labelledby="canaux-legende canaux-erreur"', no_channel.text
        )
        assert "Au moins un canal est attendu." in main_text(no_channel.text)
        half = await browser.post(
            path, data={**changed, "adresse": " ", "horaire-6-1-ouverture": "10:00"}
        )
        assert half.status_code == 422
        assert field_error(half.text, "adresse") == "Indiquez l'adresse de l'agence."
        assert field_error(half.text, "horaire-6-1-fermeture") == (
            "Indiquez l'heure de fermeture de cette période."
        )

    record = await agency_record(world, LIMOGES)
    assert record["address"] == "8 cours Jourdan, 87000 Limoges"
    assert record["channels"] == ["agence", "visio"]
    assert record["default_capacity"] == 3
    assert {"weekday": 5, "opens": "09:00", "closes": "12:00"} in record["opening_hours"]
    assert record["version"] == before["version"] + 1  # the refused forms changed nothing
    assert (record["name"], record["slot_minutes"]) == (before["name"], before["slot_minutes"])


async def test_the_agencys_pages_refuse_anyone_else_in_french(world: Platform) -> None:
    base = f"/gestion/rendez-vous/agences/{AMIENS}"
    pages = [f"{base}/creneaux", f"{base}/fermeture", f"{base}/fiche"]
    forms = [f"{base}/creneaux/capacite", f"{base}/fermeture", f"{base}/fermeture/confirmation",
             f"{base}/fiche"]  # fmt: skip
    before = await agency_record(world, AMIENS)
    for email in (ASSURE_EMAIL, CABINET_EMAIL):
        async with world.portal() as browser:
            await sign_in(browser, email)
            for path in pages:
                resp = await browser.get(path)
                assert resp.status_code == 403, (email, path)
                text = main_text(resp.text)
                assert "Accès refusé" in text
                assert "réservés aux agents de la caisse" in text
            home = await browser.get("/")
            for path in forms:
                posted = await browser.post(
                    path,
                    data={"csrf": form_token(home.text), "premier_jour": "2030-01-07",
                          "dernier_jour": "2030-01-08", "adresse": "x", "canaux": "agence"},
                )  # fmt: skip
                assert posted.status_code == 403, (email, path)
    async with world.portal() as browser:
        resp = await browser.get(pages[0])
        assert resp.status_code == 303
        assert resp.headers["location"].startswith("/connexion?suite=/gestion/rendez-vous/")
    assert await agency_record(world, AMIENS) == before


async def test_the_agencys_forms_need_the_visits_token(world: Platform) -> None:
    base = f"/gestion/rendez-vous/agences/{AMIENS}"
    before = await agency_record(world, AMIENS)
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        record = await browser.get(f"{base}/fiche")
        fields = form_fields(record.text, f"{base}/fiche")
        sent = {
            f"{base}/creneaux/capacite": {"creneau": "2030-01-07T09:00:00+01:00", "capacite": "0"},
            f"{base}/fermeture": {"premier_jour": "2030-01-07", "dernier_jour": "2030-01-08"},
            f"{base}/fermeture/confirmation": {
                "premier_jour": "2030-01-07",
                "dernier_jour": "2030-01-08",
            },
            f"{base}/fiche": {**fields, "adresse": "Ailleurs"},
        }
        for path, data in sent.items():
            for token in ("un-jeton-d-une-autre-session", None):
                body = (
                    {**data, "csrf": token}
                    if token
                    else {k: v for k, v in data.items() if k != "csrf"}
                )
                resp = await browser.post(path, data=body)
                assert resp.status_code == 403, path
                assert "Formulaire refusé" in main_text(resp.text)
    assert await agency_record(world, AMIENS) == before
