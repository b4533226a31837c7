"""Across the real processes and the real broker: a firm adds a client, notifications posts
the key letter (a PDF in the letter folder), the key typed from the PDF's text activates the
mandate, published once; the client sees the mandate and revokes it."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest
from bus_tools import read_topic
from journeys import (
    PASSWORD,
    activated_login,
    added_client,
    key_from_letter,
    random_siret,
    registered_artisan,
    signup_body,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


async def test_a_key_typed_from_the_letter_activates_the_mandate_and_the_client_revokes_it(
    platform: RunningPlatform,
) -> None:
    rng = random.Random()
    siren, nir, _ = await registered_artisan(platform, rng)
    firm_email = f"firm.{uuid.uuid4().hex[:6]}@cabinet-test.fr"
    identity, mandates = platform.api("identity"), platform.api("mandates")

    async with httpx.AsyncClient(timeout=15) as client:
        signup = await client.post(
            f"{identity}/v1/cabinets",
            json=signup_body(firm_email, random_siret(rng), "Cabinet Mandat"),
        )
        assert signup.status_code == 201, signup.text
        cabinet_id = signup.json()["cabinet_id"]
        firm = await activated_login(client, platform, firm_email, firm_email)
        clients_url = f"{mandates}/v1/cabinets/{cabinet_id}/clients"

        client_row = await added_client(client, clients_url, siren, firm)
        key = await key_from_letter(platform, client_row["id"])

        async def letter_sent() -> bool:
            resp = await client.get(f"{clients_url}/{client_row['id']}", headers=firm)
            return bool(resp.json()["state"] == "letter_sent")

        await eventually(letter_sent, timeout_s=60, message="the letter status back in mandates")
        activation = await client.post(
            f"{clients_url}/{client_row['id']}/activation", json={"key": key}, headers=firm
        )
        assert activation.status_code == 200, activation.text
        assert activation.json()["state"] == "active"

        async def activated_events() -> list[dict[str, object]]:
            events = await read_topic(platform.cfg.kafka_bootstrap, "mandates.mandate")
            return [
                p
                for kind, p in events
                if kind == "mandates.mandate.activated.v1" and p["mandate_id"] == client_row["id"]
            ]

        [activated] = await eventually(activated_events, timeout_s=60, message="activated")

        assure_email = f"assure.{uuid.uuid4().hex[:6]}@example.fr"
        signed = await client.post(
            f"{identity}/v1/assures",
            json={
                "nir": nir,
                "birth_date": "1985-05-01",
                "birth_name": "Dupont",
                "email": assure_email,
                "password": PASSWORD,
            },
        )
        assert signed.status_code == 201, signed.text
        assure = await activated_login(client, platform, assure_email, nir[:13])
        held = (await client.get(f"{mandates}/v1/me/mandates", headers=assure)).json()
        assert held["current"]["cabinet_name"] == "Cabinet Mandat"
        revoked = await client.delete(f"{mandates}/v1/me/mandates/current", headers=assure)
        assert revoked.status_code == 204
        after = (await client.get(f"{clients_url}/{client_row['id']}", headers=firm)).json()
        assert (after["state"], after["ended_by"]) == ("ended", "client")

        async def ended_events() -> list[dict[str, object]]:
            events = await read_topic(platform.cfg.kafka_bootstrap, "mandates.mandate")
            return [
                p
                for kind, p in events
                if kind == "mandates.mandate.ended.v1" and p["mandate_id"] == client_row["id"]
            ]

        await eventually(ended_events, timeout_s=60, message="ended")
        assert len(await activated_events()) == 1
    assert activated["cabinet_id"] == cabinet_id
