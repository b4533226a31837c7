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
