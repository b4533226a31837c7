"""Fifty people at once for a slot of three places: exactly three get one, the others are told
it is full with the next free slots — on SQLite and on PostgreSQL (the ``database_url``
fixture runs it on both)."""

from __future__ import annotations

import asyncio

from appointments_samples import PARIS_SLOT, agent, running_api, valid_nir

PEOPLE = 50


async def test_fifty_at_once_for_three_places_give_exactly_three(database_url: str) -> None:
    async with running_api(database_url) as api:
        agent_set = await api.client.put(
            f"/v1/agencies/agence-paris/slots/{PARIS_SLOT.replace('+', '%2B')}/capacity",
            json={"capacity": 3},
            headers=agent(),
        )
        assert agent_set.status_code == 200, agent_set.text
        bodies = [
            await api.booking(nir=valid_nir(f"1 80 01 75 {i:03d} 001 00")) for i in range(PEOPLE)
        ]
        answers = await asyncio.gather(
            *(api.client.post("/v1/appointments", json=b) for b in bodies)
        )
        codes = sorted(a.status_code for a in answers)
        assert codes.count(201) == 3, [a.text for a in answers if a.status_code not in (201, 409)]
        assert codes.count(409) == PEOPLE - 3
        full = next(a.json() for a in answers if a.status_code == 409)
        assert full["type"].endswith("/slot-full")
        assert full["next_free_slots"]
        assert await api.taken("agence-paris", PARIS_SLOT) == 3
        assert await api.count() == 3
