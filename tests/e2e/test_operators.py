"""An agent made with identity's command-line tool logs in over HTTP, and notifications'
operator API, on its own process, accepts the token by verifying it against identity's JWKS."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from devstack.platform import service_env
from stack_runner import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

PASSWORD = "Une phrase de passe solide"


async def test_an_agent_from_the_command_line_reaches_the_operator_api(
    platform: RunningPlatform,
) -> None:
    env = {
        **service_env(platform.cfg, platform.spec("identity")),
        "IDENTITY_AGENT_PASSWORD": PASSWORD,
    }
    created = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "identity.entrypoints.agents",
        "ops@urssaf.example",
        "Agent Ops",
        env=env,
        cwd=os.fspath(platform.cfg.root),
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await created.communicate()
    assert created.returncode == 0, stderr.decode()
    async with httpx.AsyncClient(timeout=10) as client:
        login = await client.post(
            f"{platform.api('identity')}/v1/auth/token",
            json={"username": "ops@urssaf.example", "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        parked = await client.get(
            f"{platform.api('notifications')}/v1/operator/deliveries", headers=bearer
        )
        assert parked.status_code == 200, parked.text
        assert parked.json() == {"items": []}
        anonymous = await client.get(f"{platform.api('notifications')}/v1/operator/deliveries")
        assert anonymous.status_code == 401


async def test_a_collaborator_invitation_mails_one_link_that_opens_the_access(
    platform: RunningPlatform,
) -> None:
    import random
    import uuid

    from journeys import activation_token, mails_to, random_siret, signup_body
    from servicekit.testing.polling import eventually

    admin = f"admin.{uuid.uuid4().hex[:6]}@cabinet.fr"
    collaborator = f"collab.{uuid.uuid4().hex[:6]}@cabinet.fr"
    api = platform.api("identity")
    async with httpx.AsyncClient(base_url=api, timeout=10) as client:
        created = (
            await client.post(
                "/v1/cabinets", json=signup_body(admin, random_siret(random.Random()))
            )
        ).json()

        async def mail_to(address: str) -> list[object]:
            return list(mails_to(platform.mail_dir, address))

        [first] = await eventually(lambda: mail_to(admin), timeout_s=60, message="admin mail")
        await client.post("/v1/accounts/activation", json={"token": activation_token(first)})  # type: ignore[arg-type]
        login = await client.post("/v1/auth/token", json={"username": admin, "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        invited = await client.post(
            f"/v1/cabinets/{created['cabinet_id']}/users",
            json={
                "first_name": "Paul",
                "last_name": "Leroy",
                "email": collaborator,
                "rights": ["read", "declare"],
            },
            headers=bearer,
        )
        assert invited.status_code == 201, invited.text
        [invitation] = await eventually(
            lambda: mail_to(collaborator), timeout_s=60, message="the invitation"
        )
        assert "24 heures" in str(invitation.get_body(preferencelist=("plain",)).get_content())  # type: ignore[attr-defined]
        accepted = await client.post(
            "/v1/accounts/activation",
            json={"token": activation_token(invitation), "password": PASSWORD},  # type: ignore[arg-type]
        )
        assert accepted.status_code == 200, accepted.text
        assert (
            await client.post(
                "/v1/auth/token", json={"username": collaborator, "password": PASSWORD}
            )
        ).status_code == 200
    assert len(mails_to(platform.mail_dir, collaborator)) == 1
