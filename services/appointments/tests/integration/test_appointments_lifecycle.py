"""An appointment's life after booking: cancelled and moved by the link of its mails (a used
link is refused, the places follow atomically), confirmed by an agent with a note, its
outcome, the reminder the day before sent exactly once, a closure cancelling and offering."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from appointments.domain import commands
from appointments_samples import PARIS_SLOT, Api, agent, running_api, valid_nir

OTHER_SLOT = "2026-03-13T14:00:00+01:00"


def _db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/a.db"


def _token(booked: dict[str, Any]) -> str:
    return str(booked["manage_url"]).rsplit("/", 1)[-1]


async def _booked(api: Api, **changes: Any) -> dict[str, Any]:
    made = await api.book(**changes)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def _kinds(api: Api) -> list[str]:
    return [k.rsplit(".", 2)[-2] for k, _ in await api.outbox() if ".appointment." in k]


async def test_the_link_cancels_once_and_frees_the_place(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        link = f"/v1/appointments/manage/{_token(booked)}"
        shown = (await api.client.get(link)).json()
        assert (shown["state"], shown["can_cancel"]) == ("requested", True)
        cancelled = await api.client.post(f"{link}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        assert await api.taken("agence-paris", PARIS_SLOT) == 0
        replayed = await api.client.post(f"{link}/cancel")
        assert replayed.status_code == 410
        assert "déjà servi" in replayed.json()["detail"]
        assert await _kinds(api) == ["requested", "cancelled"]
        bogus = await api.client.get("/v1/appointments/manage/abc.def")
        assert (bogus.status_code, bogus.json()["detail"]) == (404, "Ce lien n'est pas valide.")


async def test_rescheduling_takes_the_new_place_and_frees_the_old_at_once(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        link = f"/v1/appointments/manage/{_token(booked)}"
        moved = await api.client.post(f"{link}/reschedule", json={"starts_at": OTHER_SLOT})
        assert moved.status_code == 200, moved.text
        assert moved.json()["starts_at"] == OTHER_SLOT
        assert await api.taken("agence-paris", PARIS_SLOT) == 0
        assert await api.taken("agence-paris", OTHER_SLOT) == 1
        assert (await api.client.post(f"{link}/cancel")).status_code == 410  # the old link
        events = await api.outbox()
        ((_, rescheduled),) = [e for e in events if e[0].endswith("rescheduled.v1")]
        assert rescheduled["previous_starts_at"] == "2026-03-12T08:30:00Z"
        assert rescheduled["sequence"] == 2
        history = (
            await api.client.get(f"/v1/appointments/{booked['appointment_id']}", headers=agent())
        ).json()["history"]
        assert [h["change"] for h in history] == ["requested", "rescheduled"]


async def test_rescheduling_to_a_full_slot_changes_nothing(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        full_at = OTHER_SLOT.replace("+", "%2B")
        capped = await api.client.put(
            f"/v1/agencies/agence-paris/slots/{full_at}/capacity",
            json={"capacity": 0},
            headers=agent(),
        )
        assert capped.status_code == 200, capped.text
        booked = await _booked(api)
        link = f"/v1/appointments/manage/{_token(booked)}"
        refused = await api.client.post(f"{link}/reschedule", json={"starts_at": OTHER_SLOT})
        assert refused.status_code == 409
        assert refused.json()["next_free_slots"]
        assert await api.taken("agence-paris", PARIS_SLOT) == 1
        assert (await api.client.get(link)).status_code == 200  # the link still works


async def test_an_agent_confirms_with_a_note_then_records_the_outcome(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        url = f"/v1/appointments/{booked['appointment_id']}"
        to_confirm = await api.client.get(
            "/v1/agencies/agence-paris/appointments?state=requested", headers=agent()
        )
        assert [a["appointment_id"] for a in to_confirm.json()["items"]] == [
            booked["appointment_id"]
        ]
        assert to_confirm.json()["next_cursor"] is None
        note = "Apportez votre dernier avis d'échéancier."
        done = await api.client.post(f"{url}/confirmation", json={"note": note}, headers=agent())
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "confirmed"
        ((_, confirmed),) = [e for e in await api.outbox() if e[0].endswith("confirmed.v1")]
        assert confirmed["note"] == note
        early = await api.client.post(f"{url}/outcome", json={"outcome": "done"}, headers=agent())
        assert early.status_code == 409
        assert "pas encore commencé" in early.json()["detail"]
        api.later(days=2, hours=1)
        later = agent(api.clock.now())
        came = await api.client.post(f"{url}/outcome", json={"outcome": "done"}, headers=later)
        assert came.json()["state"] == "done"
        by_person = await api.client.post(
            f"{url}/confirmation", json={"note": ""}, headers={"Authorization": "Bearer x"}
        )
        assert by_person.status_code == 401


async def test_the_reminder_goes_out_once_the_day_before(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        url = f"/v1/appointments/{booked['appointment_id']}/confirmation"
        assert (await api.client.post(url, json={}, headers=agent())).status_code == 200
        assert await api.app.bus.handle(commands.SendReminders()) == 0  # two days before
        api.later(days=1)  # Wednesday 11 March: the day before
        assert await api.app.bus.handle(commands.SendReminders()) == 1
        assert await api.app.bus.handle(commands.SendReminders()) == 0
        assert (await _kinds(api)).count("reminder_due") == 1


async def test_a_reminder_run_that_fails_before_its_commit_leaves_the_next_to_send_it(
    tmp_path: Path,
) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        url = f"/v1/appointments/{booked['appointment_id']}/confirmation"
        assert (await api.client.post(url, json={}, headers=agent())).status_code == 200
        api.later(days=1)

        class Killed(Exception):
            pass

        uow = api.app.new_uow()

        async def dies() -> None:
            raise Killed

        uow.commit = dies  # type: ignore[method-assign]
        from appointments.service_layer import handlers

        with pytest.raises(Killed):
            await handlers.send_reminders(commands.SendReminders(), uow, api.app.deps)
        assert (await _kinds(api)).count("reminder_due") == 0
        assert await api.app.bus.handle(commands.SendReminders()) == 1
        assert await api.app.bus.handle(commands.SendReminders()) == 0
        assert (await _kinds(api)).count("reminder_due") == 1


async def test_capacity_never_goes_below_the_places_taken(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        await _booked(api)
        await _booked(api, nir=valid_nir("2 90 01 13 055 123 00"))
        at = PARIS_SLOT.replace("+", "%2B")
        url = f"/v1/agencies/agence-paris/slots/{at}/capacity"
        low = await api.client.put(url, json={"capacity": 1}, headers=agent())
        assert low.status_code == 409
        assert low.json()["taken"] == 2
        assert "inférieure à 2" in low.json()["detail"]
        ok = await api.client.put(url, json={"capacity": 2}, headers=agent())
        assert ok.json() == {
            "agency_id": "agence-paris",
            "starts_at": PARIS_SLOT,
            "capacity": 2,
            "taken": 2,
        }
        full = await api.book(nir=valid_nir("1 62 04 69 123 456 00"))
        assert full.status_code == 409


async def test_a_closure_over_booked_slots_cancels_them_and_offers_the_next_free(
    tmp_path: Path,
) -> None:
    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        closed = await api.client.post(
            "/v1/agencies/agence-paris/closures",
            json={"first_day": "2026-03-12", "last_day": "2026-03-12", "label": "Grève"},
            headers=agent(),
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["cancelled"] == [booked["appointment_id"]]
        assert await api.taken("agence-paris", PARIS_SLOT) == 0
        ((_, cancelled),) = [e for e in await api.outbox() if e[0].endswith("cancelled.v1")]
        assert (cancelled["cancelled_by"], cancelled["explanation"]) == ("closure", "Grève")
        offered = cancelled["next_free_slots"]
        assert offered
        assert all(o["starts_at"] >= "2026-03-13" for o in offered)
        agency_events = [e for e in await api.outbox() if e[0] == "appointments.agency.changed.v1"]
        assert "Grève" in [c["label"] for c in agency_events[-1][1]["closures"]]
        slots = (
            await api.client.get("/v1/slots?agency_id=agence-paris&from=2026-03-12&limit=3")
        ).json()
        assert all(not s["starts_at"].startswith("2026-03-12") for s in slots["items"])


async def test_agents_only(tmp_path: Path) -> None:
    from appointments_samples import assure

    async with running_api(_db(tmp_path)) as api:
        booked = await _booked(api)
        url = f"/v1/appointments/{booked['appointment_id']}/confirmation"
        refused = await api.client.post(url, json={}, headers=assure())
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/agent-only")


async def test_the_agents_list_pages_through_more_requests_than_a_page(tmp_path: Path) -> None:
    """Seven requests, some at the same instant, read three by three: all of them once, in the
    order of their start (then id); a bad cursor or state is refused in French."""
    async with running_api(_db(tmp_path)) as api:
        slots = [PARIS_SLOT, PARIS_SLOT, OTHER_SLOT, "2026-03-12T10:00:00+01:00"]
        booked = []
        for i in range(7):
            made = await _booked(
                api, starts_at=slots[i % len(slots)], nir=valid_nir(f"18505751234{i:02d}")
            )
            booked.append((made["starts_at"], made["appointment_id"]))
        url = "/v1/agencies/agence-paris/appointments"
        seen: list[tuple[str, str]] = []
        params: dict[str, Any] = {"state": "requested", "limit": 3}
        pages = 0
        while True:
            page = (await api.client.get(url, params=params, headers=agent())).json()
            pages += 1
            seen += [(a["starts_at"], a["appointment_id"]) for a in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert pages == 3
        assert [i for _, i in seen] == [i for _, i in sorted(booked, key=_instant_then_id)]
        bad = await api.client.get(url, params={"cursor": "!!"}, headers=agent())
        assert bad.status_code == 422
        assert "curseur" in bad.json()["detail"]
        unknown = await api.client.get(url, params={"state": "perdu"}, headers=agent())
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "state"


def _instant_then_id(item: tuple[str, str]) -> tuple[datetime, str]:
    return datetime.fromisoformat(item[0]), item[1]
