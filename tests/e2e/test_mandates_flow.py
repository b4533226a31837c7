"""Across the real processes and the real broker: a firm adds a client, notifications posts
the key letter (a PDF in the letter folder), the key typed from the PDF's text activates the
mandate, published once; the client sees the mandate and revokes it."""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path

import httpx
import pytest
from bus_tools import publish, read_topic
from identity_registry_samples import record
from journeys import activation_token, luhn_complete, mails_to, random_siret, signup_body
from pypdf import PdfReader
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform
from stdnum.fr import nir as stdnum_nir

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

PASSWORD = "Une phrase de passe solide"
KEY = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")


async def _activated_login(
    client: httpx.AsyncClient, platform: RunningPlatform, email: str, username: str
) -> dict[str, str]:
    async def the_mail() -> list[object]:
        return list(mails_to(platform.mail_dir, email))

    [mail] = await eventually(the_mail, timeout_s=60, message=f"activation mail to {email}")
    identity = platform.api("identity")
    activated = await client.post(
        f"{identity}/v1/accounts/activation",
        json={"token": activation_token(mail)},  # type: ignore[arg-type]
    )
    assert activated.status_code in (200, 204), activated.text
    login = await client.post(
        f"{identity}/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _key_letter(letters: Path, reference: str) -> Path | None:
    for manifest in letters.glob("*.json"):
        data = json.loads(manifest.read_text())
        if data.get("kind") == "activation_key_letter" and data.get("reference") == reference:
            return letters / str(data["pdf"])
    return None


async def test_a_key_typed_from_the_letter_activates_the_mandate_and_the_client_revokes_it(
    platform: RunningPlatform,
) -> None:
    rng = random.Random()
    siren = luhn_complete("".join(str(rng.randint(0, 9)) for _ in range(8)))
    body = f"1{uuid.uuid4().int % 10**12:012d}"
    nir = body + stdnum_nir.calc_check_digits(body)
    registry = record(nir=nir, siren=siren, sirets=[], category="artisan")
    await publish(platform.cfg.kafka_bootstrap, registry, siren, "registry")
    firm_email = f"firm.{uuid.uuid4().hex[:6]}@cabinet-test.fr"
    identity, mandates = platform.api("identity"), platform.api("mandates")

    async with httpx.AsyncClient(timeout=15) as client:
        signup = await client.post(
            f"{identity}/v1/cabinets",
            json=signup_body(firm_email, random_siret(rng), "Cabinet Mandat"),
        )
        assert signup.status_code == 201, signup.text
        cabinet_id = signup.json()["cabinet_id"]
        firm = await _activated_login(client, platform, firm_email, firm_email)
        clients_url = f"{mandates}/v1/cabinets/{cabinet_id}/clients"

        async def added() -> dict[str, str] | None:
            resp = await client.post(
                clients_url, json={"identifier": siren, "name": "Dupont Jean"}, headers=firm
            )
            return resp.json() if resp.status_code == 201 else None

        client_row = await eventually(
            added, timeout_s=60, interval_s=0.5, message="the client known to mandates"
        )
        reference = f"MDT-{client_row['id'][:8].upper()}"
        letters = platform.cfg.var / "letters"

        async def the_pdf() -> Path | None:
            return _key_letter(letters, reference)

        pdf = await eventually(the_pdf, timeout_s=60, message="the key letter in the folder")
        text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
        [key] = KEY.findall(text)

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
        assure = await _activated_login(client, platform, assure_email, nir[:13])
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
