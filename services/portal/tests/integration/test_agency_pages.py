"""The agents' appointment pages, against appointments' real app and identity's real agent
accounts: an agency's appointments by day and state, one appointment and its history, its
confirmation with a note, its cancellation with an explanation, its outcome once its hour has
come; and anyone else refused in French."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from portal_platform import (
    ASSURE_EMAIL,
    CABINET_EMAIL,
    Platform,
    a_nir,
    agent_of_its_own,
    appointments_clock,
    booked_through_the_api,
    form_token,
    main_text,
    sign_in,
)
from servicekit import french

AGENT = "agent.agences@caisse.example"
LYON = "agence-lyon"
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


async def signed_in_agent(world: Platform, browser: httpx.AsyncClient) -> None:
    await agent_of_its_own(world, AGENT)
    resp = await sign_in(browser, AGENT)
    assert resp.status_code == 303, resp.text


async def appointment_page(browser: httpx.AsyncClient, appointment_id: str) -> httpx.Response:
    page = await browser.get(f"/gestion/rendez-vous/{appointment_id}")
    assert page.status_code == 200, page.text
    return page


async def act(
    browser: httpx.AsyncClient, appointment_id: str, action: str, **fields: str
) -> httpx.Response:
    page = await appointment_page(browser, appointment_id)
    return await browser.post(
        f"/gestion/rendez-vous/{appointment_id}/{action}",
        data={"csrf": form_token(page.text), **fields},
    )


async def outbox_of(world: Platform, appointment_id: str, event: str) -> list[dict[str, Any]]:
    return [
        json.loads(row["payload"])
        for row in await world.outbox("appointments")
        if row["event_type"] == f"appointments.appointment.{event}.v1"
        and row["key"] == appointment_id
    ]


async def test_pages_of_agents_refuse_anyone_else_in_french(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(101), slot=0)
    paths = [
        "/gestion/rendez-vous",
        f"/gestion/rendez-vous/agences/{LYON}",
        f"/gestion/rendez-vous/{booked['appointment_id']}",
    ]
    for email in (ASSURE_EMAIL, CABINET_EMAIL):
        async with world.portal() as browser:
            await sign_in(browser, email)
            for path in paths:
                resp = await browser.get(path)
                assert resp.status_code == 403, (email, path)
                text = main_text(resp.text)
                assert "Accès refusé" in text
                assert "réservés aux agents de la caisse" in text
            home = await browser.get("/")
            posted = await browser.post(
                f"/gestion/rendez-vous/{booked['appointment_id']}/confirmation",
                data={"csrf": form_token(home.text), "note": "x"},
            )
            assert posted.status_code == 403
    async with world.portal() as browser:
        resp = await browser.get(paths[1])
        assert resp.status_code == 303
        assert resp.headers["location"].startswith("/connexion?suite=/gestion/rendez-vous/")
    # nothing was confirmed by anyone
    assert await outbox_of(world, booked["appointment_id"], "confirmed") == []


async def test_an_agent_finds_an_agencys_appointments_by_day_and_state(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(102), slot=1)
    day = datetime.fromisoformat(booked["starts_at"]).date()
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        home = main_text((await browser.get("/")).text)
        assert "Rendez-vous des agences" in home
        regions = await browser.get("/gestion/rendez-vous", params={"region": "ARA"})
        assert regions.status_code == 200
        assert f'href="/gestion/rendez-vous/agences/{LYON}"' in regions.text

        listing = await browser.get(
            f"/gestion/rendez-vous/agences/{LYON}",
            params={"jour": day.isoformat(), "etat": "requested"},
        )
        assert listing.status_code == 200
        text = main_text(listing.text)
        assert f"Rendez-vous du {WEEKDAYS[day.weekday()]} {french.day(day)}" in text
        assert "Léa Martin" in text
        assert "Demandé, à confirmer" in text
        assert f'href="/gestion/rendez-vous/{booked["appointment_id"]}"' in listing.text

        typed_in_french = await browser.get(
            f"/gestion/rendez-vous/agences/{LYON}", params={"jour": f"{day:%d/%m/%Y}"}
        )
        assert booked["appointment_id"] in typed_in_french.text

        confirmed_only = await browser.get(
            f"/gestion/rendez-vous/agences/{LYON}",
            params={"jour": day.isoformat(), "etat": "confirmed"},
        )
        assert booked["appointment_id"] not in confirmed_only.text

        wrong = await browser.get(f"/gestion/rendez-vous/agences/{LYON}", params={"jour": "32/13"})
        assert wrong.status_code == 422
        assert "Saisissez une date valide, par exemple 12/01/2027." in main_text(wrong.text)
        assert 'aria-invalid="true"' in wrong.text


async def test_an_agent_confirms_with_a_note_and_the_history_says_so(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(103), slot=2)
    appointment_id = booked["appointment_id"]
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        page = await appointment_page(browser, appointment_id)
        text = main_text(page.text)
        assert "Rendez-vous de Léa Martin" in text
        assert "Téléphone mobile 06 12 34 56 78" in text
        assert "lea.martin@exemple.fr" in text
        assert "Demande de rendez-vous" in text  # the history's first line
        assert "Confirmer le rendez-vous" in text

        note = "Apportez votre dernier échéancier."
        done = await act(browser, appointment_id, "confirmation", note=note)
        assert done.status_code == 303
        assert done.headers["location"] == f"/gestion/rendez-vous/{appointment_id}"
        after = main_text((await browser.get(done.headers["location"])).text)
        assert "Le rendez-vous est confirmé : la personne en est avertie par courriel." in after
        assert "État Confirmé" in after
        assert note in after
        assert re.search(r"Confirmé Un agent .* " + re.escape(note), after)
        assert "Confirmer le rendez-vous" not in after
        [event] = await outbox_of(world, appointment_id, "confirmed")
        assert event["note"] == note

        again = await act(browser, appointment_id, "confirmation", note="")
        assert again.status_code == 409
        assert "Ce rendez-vous est déjà confirmé." in main_text(again.text)


async def test_an_agent_cancels_with_an_explanation(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(104), slot=3)
    appointment_id = booked["appointment_id"]
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        empty = await act(browser, appointment_id, "annulation", explication="  ")
        assert empty.status_code == 422
        assert "Dites à la personne pourquoi son rendez-vous est annulé." in main_text(empty.text)
        assert re.search(r'id="explication"[^>]*aria-invalid="true"', empty.text)

        why = "L'agence est fermée ce jour-là pour travaux."
        done = await act(browser, appointment_id, "annulation", explication=why)
        assert done.status_code == 303
        after = main_text((await browser.get(done.headers["location"])).text)
        assert "État Annulé (par un agent)" in after
        assert why in after
        assert "Annuler le rendez-vous" not in after
        [event] = await outbox_of(world, appointment_id, "cancelled")
        assert event["explanation"] == why
        assert event["cancelled_by"] == "agent"


async def test_the_outcome_is_recorded_once_the_hour_has_come(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(105), slot=4)
    appointment_id = booked["appointment_id"]
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        assert (await act(browser, appointment_id, "confirmation", note="")).status_code == 303
        early = await act(browser, appointment_id, "issue", issue="done")
        assert early.status_code == 409
        assert "Ce rendez-vous n'a pas encore commencé." in main_text(early.text)
        unchosen = await act(browser, appointment_id, "issue")
        assert unchosen.status_code == 422
        assert "Choisissez si la personne est venue ou non." in main_text(unchosen.text)

        starts = datetime.fromisoformat(booked["starts_at"])
        with appointments_clock(world).shifted(
            starts - datetime.now(starts.tzinfo) + timedelta(hours=1)
        ):
            done = await act(browser, appointment_id, "issue", issue="no_show")
        assert done.status_code == 303
        after = main_text((await browser.get(done.headers["location"])).text)
        assert "L'issue du rendez-vous est enregistrée." in after
        assert "État Personne absente" in after
        [event] = await outbox_of(world, appointment_id, "attended")
        assert event["outcome"] == "no_show"


async def test_an_unknown_appointment_or_agency_is_a_french_404(world: Platform) -> None:
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        said = {
            "/gestion/rendez-vous/inconnu": "Aucun rendez-vous ne correspond.",
            "/gestion/rendez-vous/agences/inconnue": "Aucune agence « inconnue ».",
        }
        for path, sentence in said.items():
            resp = await browser.get(path)
            assert resp.status_code == 404, path
            text = main_text(resp.text)
            assert "Votre demande n'a pas abouti" in text
            assert sentence in text


async def test_the_agents_forms_need_the_visits_token(world: Platform) -> None:
    booked = await booked_through_the_api(world, LYON, a_nir(106), slot=5)
    async with world.portal() as browser:
        await signed_in_agent(world, browser)
        for action in ("confirmation", "annulation", "issue"):
            resp = await browser.post(
                f"/gestion/rendez-vous/{booked['appointment_id']}/{action}",
                data={"csrf": "un-jeton-d-une-autre-session", "note": "x"},
            )
            assert resp.status_code == 403, action
            assert "Formulaire refusé" in main_text(resp.text)
    assert await outbox_of(world, booked["appointment_id"], "confirmed") == []
