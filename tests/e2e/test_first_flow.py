"""The first flow on the real processes and the real broker: a firm signs up, identity commits
its account and outbox rows, the events reach notifications, the activation e-mail lands in
the SMTP catcher's folder, and the mailed link activates the account over HTTP."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest
from journeys import activation_token, mails_to, random_siret, signup_body
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


async def test_a_firm_signs_up_gets_its_activation_mail_and_activates_its_account(
    platform: RunningPlatform,
) -> None:
    email = f"claire.{uuid.uuid4().hex[:8]}@cabinet-martin.fr"
    async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=10) as client:
        signed = await client.post(
            "/v1/cabinets", json=signup_body(email, random_siret(random.Random()))
        )
        assert signed.status_code == 201, signed.text

        async def the_mail() -> list[object]:
            return list(mails_to(platform.mail_dir, email))

        [mail] = await eventually(the_mail, timeout_s=60, message="the activation e-mail")
        assert "Activez le compte de votre cabinet" in str(mail["Subject"])  # type: ignore[index]
        token = activation_token(mail)  # type: ignore[arg-type]

        activated = await client.post("/v1/accounts/activation", json={"token": token})
        assert activated.status_code == 200, activated.text
        assert activated.json()["status"] == "active"
        assert activated.json()["account_id"] == signed.json()["admin_account_id"]

        reused = await client.post("/v1/accounts/activation", json={"token": token})
        assert reused.status_code == 409
    assert len(mails_to(platform.mail_dir, email)) == 1


async def test_every_process_reports_ready_and_serves_metrics(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for started in platform.processes.values():
            ready = await client.get(f"{started.url}/health/ready")
            assert ready.status_code == 200, (started.name, ready.text)
            metrics = await client.get(f"{started.url}/metrics")
            assert metrics.status_code == 200
        worker = platform.processes["notifications-worker"].url
        asyncapi = await client.get(f"{worker}/docs/asyncapi.json")
        assert asyncapi.status_code == 200
