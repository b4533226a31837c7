"""Booking over HTTP: the place held at once and the acknowledgement published; what bad input
gets (French detail, the field, nothing held); a full slot offers the next free ones; a person's
open requests are bounded; the booking is rate-limited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from appointments_samples import NIR, PARIS_SLOT, Api, running_api, valid_nir
from servicekit.sealing import unseal

from appointments_samples import SEAL_PRIVATE  # isort: skip


def _db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/a.db"


async def test_a_booking_holds_the_place_and_publishes_the_acknowledgement(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        made = await api.book()
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["state"] == "requested"
        assert body["starts_at"] == PARIS_SLOT  # the agency's wall clock, with its offset
        assert body["agency_name"] == "Agence de Paris"
        assert body["manage_url"].startswith("https://rdv.example/v1/appointments/manage/")
        assert await api.taken("agence-paris", PARIS_SLOT) == 1
        ((kind, payload),) = [e for e in await api.outbox() if "appointment." in e[0]]
        assert kind == "appointments.appointment.requested.v1"
        assert payload["person"] == {
            "email": "jean.dupont@example.fr",
            "display_name": "Jean Dupont",
        }
        assert payload["reason"] == "Comprendre mon échéancier"
        assert payload["starts_at"] == "2026-03-12T08:30:00Z"
        assert unseal(SEAL_PRIVATE, payload["sealed_manage_link"]) == body["manage_url"]
        assert NIR.replace(" ", "") not in str(await api.outbox())


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("nir", {"nir": "1 85 05 75 123 456 74"}, "nir", "numéro de sécurité sociale"),
    ("landline", {"mobile": "01 45 67 89 10"}, "mobile", "n'est pas un numéro de mobile"),
    ("past", {"starts_at": "2026-03-09T09:30:00+01:00"}, "starts_at", "passé ou trop proche"),
    ("not a slot", {"starts_at": "2026-03-12T09:40:00+01:00"}, "starts_at", "pas un créneau"),
    ("sunday", {"starts_at": "2026-03-15T09:30:00+01:00"}, "starts_at", "pas un créneau"),
    ("captcha", {"captcha": "bm9uLWR1LWNvZGU="}, "captcha", "code de vérification"),
    ("terms", {"terms_accepted": False}, "terms_accepted", "conditions d'utilisation"),
    ("reason", {"reason_code": "inconnu"}, "reason_code", "Aucun motif"),
]


@pytest.mark.parametrize(("case", "changes", "field", "said"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_is_refused_in_french_naming_the_field_and_nothing_is_booked(
    tmp_path: Path, case: str, changes: dict[str, Any], field: str, said: str
) -> None:
    async with running_api(_db(tmp_path)) as api:
        refused = await api.book(**changes)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["errors"][0]["field"] == field
        assert said in problem["detail"], problem["detail"]
        assert await api.count() == 0
        assert await api.taken("agence-paris", PARIS_SLOT) == 0
        assert [e for e in await api.outbox() if "appointment." in e[0]] == []


async def test_a_verification_code_books_once(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        body = await api.booking()
        assert (await api.client.post("/v1/appointments", json=body)).status_code == 201
        again = await api.client.post(
            "/v1/appointments", json={**body, "nir": valid_nir("2 90 01 13 055 123 00")}
        )
        assert again.status_code == 422, again.text
        assert "déjà servi" in again.json()["detail"]
        assert await api.count() == 1


async def test_a_full_slot_is_refused_with_the_next_free_slots(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        people = ["1 85 05 75 123 456 73", "2 90 01 13 055 123 25", "1 70 12 2A 011 012 26"]
        people += ["1 62 04 69 123 456 91", "2 55 07 33 456 789 12"]
        answers = []
        for nir in people:
            answers.append(await api.book(nir=valid_nir(nir)))
        assert [a.status_code for a in answers] == [201, 201, 201, 201, 409]
        problem = answers[-1].json()
        assert problem["type"].endswith("/slot-full")
        assert "complet" in problem["detail"]
        offered = problem["next_free_slots"]
        assert offered
        assert offered[0]["starts_at"] != PARIS_SLOT
        assert all(o["agency_id"] == "agence-paris" for o in offered)
        assert await api.taken("agence-paris", PARIS_SLOT) == 4


async def test_a_person_holds_at_most_two_open_requests(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path)) as api:
        first = await api.book()
        second = await api.book(starts_at="2026-03-12T10:00:00+01:00")
        third = await api.book(starts_at="2026-03-12T10:30:00+01:00")
        assert (first.status_code, second.status_code, third.status_code) == (201, 201, 409)
        assert "déjà 2 rendez-vous à venir" in third.json()["detail"]
        assert await api.taken("agence-paris", "2026-03-12T10:30:00+01:00") == 0


async def test_the_booking_is_rate_limited_per_client(tmp_path: Path) -> None:
    async with running_api(_db(tmp_path), booking_limit=2) as api:
        answers = [await api.book(terms_accepted=False) for _ in range(3)]
        assert [a.status_code for a in answers] == [422, 422, 429]
        assert int(answers[-1].headers["retry-after"]) >= 1


async def test_the_booking_form_is_prefilled_for_a_logged_in_assure(tmp_path: Path) -> None:
    from appointments_samples import NOW, assure
    from contracts.common import PostalAddress
    from contracts.envelope import Envelope
    from contracts.identity import v1 as identity_v1
    from servicekit.messaging import IncomingEvent

    async with running_api(_db(tmp_path)) as api:
        registered = identity_v1.AffiliateRegisteredV1(
            affiliate_id="aff-1",
            birth_name="Dupont",
            first_names="Jean",
            category="artisan",
            address=PostalAddress(lines=["1 rue X"], postal_code="57000", city="Metz"),
            departement="57",
            email="jean@example.fr",
            mobile="+33612345678",
            affiliated_on=NOW.date(),
        )
        envelope = Envelope(id="e-1", type=registered.event_type, source="t", time=NOW, subject="s")
        event = IncomingEvent(envelope, registered.model_dump(mode="json"), registered.topic, 0, 0)
        await api.app.on_affiliate(event)
        await api.app.on_affiliate(event)  # redelivered: changes nothing
        form = (await api.client.get("/v1/booking-form", headers=assure())).json()
        assert form["prefill"] == {
            "first_names": "Jean",
            "last_name": "Dupont",
            "address": "1 rue X, 57000 Metz",
            "email": "jean@example.fr",
            "mobile": "+33612345678",
        }
        assert form["captcha"]["algorithm"] == "SHA-256"
        anonymous = (await api.client.get("/v1/booking-form")).json()
        assert anonymous["prefill"] == {}


def test_the_samples_nir_is_valid() -> None:
    assert valid_nir(NIR) == NIR.replace(" ", "")


__all__ = ["Api"]
