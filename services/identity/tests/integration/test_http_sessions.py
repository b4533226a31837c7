"""Sessions over HTTP on a real database: an absolute lifetime however often a session is
refreshed, and the account holder's list of its sessions, which it may end one by one, all but
the current one, or all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager

PASSWORD = "Une phrase de passe solide"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


@dataclass
class Api:
    client: httpx.AsyncClient
    app: IdentityApp
    clock: FakeClock

    async def account(self, email: str) -> str:
        await self.app.auth_bus.handle(commands.CreateAgent(email, "Agent Test", PASSWORD))
        return email

    async def login(self, email: str, user_agent: str = LAPTOP) -> dict[str, Any]:
        resp = await self.client.post(
            "/v1/auth/token",
            json={"username": email, "password": PASSWORD},
            headers={"User-Agent": user_agent},
        )
        assert resp.status_code == 200, resp.text
        tokens: dict[str, Any] = resp.json()
        return tokens

    async def refresh(self, tokens: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )

    async def sessions(self, tokens: dict[str, Any]) -> list[dict[str, Any]]:
        resp = await self.client.get("/v1/me/sessions", headers=bearer(tokens))
        assert resp.status_code == 200, resp.text
        found: list[dict[str, Any]] = resp.json()
        return found


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    _, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
        rate_limit_login_per_minute=1000,
    )
    clock = FakeClock()
    app = bootstrap(settings, hasher=PlainHasher(), clock=clock)
    fastapi_app = create_app(app)
    async with LifespanManager(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            yield Api(client, app, clock)


async def test_a_session_ends_90_days_after_login_however_often_it_is_refreshed(
    api: Api,
) -> None:
    tokens = await api.login(await api.account("agent@urssaf.example"))
    for _ in range(3):  # days 25, 50, 75: each refresh well inside the 30-day idle limit
        api.clock.advance(timedelta(days=25))
        resp = await api.refresh(tokens)
        assert resp.status_code == 200, resp.text
        tokens = resp.json()
    api.clock.advance(timedelta(days=15) - timedelta(seconds=1))  # 90 days less a second
    resp = await api.refresh(tokens)
    assert resp.status_code == 200, resp.text
    tokens = resp.json()
    api.clock.advance(timedelta(seconds=1))  # 90 days after the login
    ended = await api.refresh(tokens)
    assert ended.status_code == 401
    assert ended.json()["type"].endswith("/session-rejected")
    assert "reconnectez-vous" in ended.json()["detail"]


async def test_the_absolute_lifetime_is_a_setting(database_url: str) -> None:
    _, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
        session_lifetime_days=7,
    )
    clock = FakeClock()
    app = bootstrap(settings, hasher=PlainHasher(), clock=clock)
    fastapi_app = create_app(app)
    async with LifespanManager(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            api = Api(client, app, clock)
            tokens = await api.login(await api.account("agent@urssaf.example"))
            clock.advance(timedelta(days=6))
            tokens = (await api.refresh(tokens)).json()
            clock.advance(timedelta(days=1))
            assert (await api.refresh(tokens)).status_code == 401


async def test_the_holder_lists_its_sessions_with_the_current_one_flagged(api: Api) -> None:
    email = await api.account("agent@urssaf.example")
    laptop = await api.login(email, LAPTOP)
    api.clock.advance(timedelta(hours=1))
    laptop = (await api.refresh(laptop)).json()
    phone = await api.login(email, PHONE)
    await api.login(await api.account("other@urssaf.example"))  # another account's session

    seen = await api.sessions(phone)
    assert [s["user_agent"] for s in seen] == [LAPTOP, PHONE]  # the oldest first
    assert [s["current"] for s in seen] == [False, True]
    by_agent = {s["user_agent"]: s for s in seen}
    assert by_agent[LAPTOP]["last_used_at"] > by_agent[LAPTOP]["created_at"]
    assert by_agent[PHONE]["last_used_at"] == by_agent[PHONE]["created_at"]
    assert {s["session_id"] for s in seen} == {s["session_id"] for s in await api.sessions(laptop)}
    assert [s["current"] for s in await api.sessions(laptop)] == [True, False]


async def test_ending_one_session_refuses_its_refresh_and_leaves_the_others(api: Api) -> None:
    email = await api.account("agent@urssaf.example")
    laptop, phone = await api.login(email, LAPTOP), await api.login(email, PHONE)
    [phone_session] = [s for s in await api.sessions(laptop) if s["user_agent"] == PHONE]
    resp = await api.client.delete(
        f"/v1/me/sessions/{phone_session['session_id']}", headers=bearer(laptop)
    )
    assert resp.status_code == 204, resp.text
    assert (await api.refresh(phone)).status_code == 401
    assert (await api.refresh(laptop)).status_code == 200
    again = await api.client.delete(
        f"/v1/me/sessions/{phone_session['session_id']}", headers=bearer(laptop)
    )
    assert again.status_code == 404


async def test_another_accounts_session_cannot_be_seen_nor_ended(api: Api) -> None:
    mine = await api.login(await api.account("agent@urssaf.example"))
    theirs = await api.login(await api.account("other@urssaf.example"))
    [their_session] = await api.sessions(theirs)
    assert their_session["session_id"] not in {s["session_id"] for s in await api.sessions(mine)}
    resp = await api.client.delete(
        f"/v1/me/sessions/{their_session['session_id']}", headers=bearer(mine)
    )
    assert resp.status_code == 404, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"].endswith("/session-not-found")
    assert "Aucune session" in resp.json()["detail"]
    assert (await api.refresh(theirs)).status_code == 200
    assert (await api.client.get("/v1/me/sessions")).status_code == 401


async def test_ending_the_other_sessions_keeps_the_current_and_all_ends_every_one(
    api: Api,
) -> None:
    email = await api.account("agent@urssaf.example")
    first, second, third = [await api.login(email, ua) for ua in (LAPTOP, PHONE, "curl/8.5")]
    others = await api.client.delete(
        "/v1/me/sessions", params={"keep_current": "true"}, headers=bearer(first)
    )
    assert others.status_code == 200, others.text
    assert others.json() == {"ended": 2}
    assert [s["current"] for s in await api.sessions(first)] == [True]
    assert (await api.refresh(second)).status_code == 401
    assert (await api.refresh(third)).status_code == 401
    first = (await api.refresh(first)).json()
    everywhere = await api.client.delete("/v1/me/sessions", headers=bearer(first))
    assert everywhere.json() == {"ended": 1}
    assert (await api.refresh(first)).status_code == 401
    assert await api.sessions(first) == []


async def test_a_logout_or_a_reused_token_ends_the_session_in_the_list(api: Api) -> None:
    email = await api.account("agent@urssaf.example")
    kept, logged_out, stolen = [await api.login(email) for _ in range(3)]
    await api.client.post("/v1/auth/logout", json={"refresh_token": logged_out["refresh_token"]})
    assert (await api.refresh(stolen)).status_code == 200
    api.clock.advance(timedelta(seconds=31))  # past the grace of a concurrent refresh
    assert (await api.refresh(stolen)).status_code == 401  # reused: the family is revoked
    assert len(await api.sessions(kept)) == 1
