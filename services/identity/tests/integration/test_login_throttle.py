"""The login throttle on a real database, with two api copies sharing it: failures count per
account whatever spelling of its identifier was typed, the wait is bounded so nobody can keep
someone else out, and a source failing too often is refused on every copy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.domain.sessions import MAX_DELAY, SOURCE_FAILURES
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from identity_registry_samples import NIR, incoming, record
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import select

PASSWORD = "Une phrase de passe solide"
WRONG = "pas le bon mot de passe"


@dataclass
class Copies:
    """Two api copies of identity on one database, and a shared clock."""

    apps: list[tuple[IdentityApp, FastAPI]]
    clock: FakeClock
    private_key: str
    stack: AsyncExitStack
    clients: dict[tuple[int, str], httpx.AsyncClient] = field(default_factory=dict)

    async def login(
        self, username: str, password: str = PASSWORD, *, copy: int = 0, source: str = "10.0.0.1"
    ) -> httpx.Response:
        if (copy, source) not in self.clients:
            transport = httpx.ASGITransport(app=self.apps[copy][1], client=(source, 40000))
            self.clients[copy, source] = await self.stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://identity")
            )
        return await self.clients[copy, source].post(
            "/v1/auth/token", json={"username": username, "password": password}
        )

    async def agent(self, email: str) -> str:
        await self.apps[0][0].auth_bus.handle(commands.CreateAgent(email, "Agent", PASSWORD))
        return email


@pytest.fixture
async def copies(database_url: str) -> AsyncIterator[Copies]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
        rate_limit_login_per_minute=10_000,
        rate_limit_signup_per_minute=10_000,
    )
    clock = FakeClock()
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            app = bootstrap(settings, hasher=PlainHasher(), clock=clock)
            api = create_app(app)
            await stack.enter_async_context(LifespanManager(api))
            apps.append((app, api))
        yield Copies(apps, clock, private, stack)


async def test_failures_on_two_copies_count_together(copies: Copies) -> None:
    email = await copies.agent("agent@urssaf.example")
    assert (await copies.login(email, WRONG, copy=0)).status_code == 401
    assert (await copies.login(email, WRONG, copy=1)).status_code == 401
    assert (await copies.login(email, WRONG, copy=0)).status_code == 401
    blocked = await copies.login(email, copy=1)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1


async def test_every_spelling_of_an_assures_identifier_counts_for_the_one_account(
    copies: Copies,
) -> None:
    app, api = copies.apps[0]
    await app.on_registry_record(incoming(record(), "registry-1"))
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        created = await client.post(
            "/v1/assures",
            json={
                "nir": NIR,
                "birth_date": "1985-05-01",
                "birth_name": "Dupont",
                "email": "jean.dupont@example.fr",
                "password": PASSWORD,
            },
        )
        assert created.status_code == 201, created.text
        async with app.engine.connect() as conn:
            payloads = (await conn.execute(select(orm.outbox.c.payload))).scalars().all()
        sealed = [json.loads(p)["sealed_link"] for p in payloads if "sealed_link" in p]
        token = parse_qs(urlparse(unseal(copies.private_key, sealed[-1])).query)["token"][0]
        assert (await client.post("/v1/accounts/activation", json={"token": token})).is_success
    spaced = " ".join([NIR[:1], NIR[1:3], NIR[3:5], NIR[5:7], NIR[7:10], NIR[10:13], NIR[13:]])
    for spelling in ("Jean.Dupont@Example.fr", NIR[:13], NIR):
        assert (await copies.login(spelling, WRONG)).status_code == 401, spelling
    assert (await copies.login(spaced)).status_code == 429
    copies.clock.advance(timedelta(seconds=2))
    assert (await copies.login(spaced)).status_code == 200


async def test_the_wait_is_bounded_and_attempts_during_it_do_not_lengthen_it(
    copies: Copies,
) -> None:
    """Someone failing on another's account from many sources cannot keep it closed: the wait
    never exceeds MAX_DELAY after a failure, and refused attempts are not counted."""
    victim = await copies.agent("victime@urssaf.example")
    waits = []
    for attempt in range(40):
        resp = await copies.login(victim, WRONG, source=f"10.1.0.{attempt}")
        if resp.status_code == 429:
            waits.append(int(resp.headers["retry-after"]))
            copies.clock.advance(timedelta(seconds=waits[-1]))
    assert max(waits) <= MAX_DELAY.total_seconds()
    assert waits == sorted(waits)  # growing, then flat at the bound
    assert waits[-1] == MAX_DELAY.total_seconds()
    assert (await copies.login(victim, WRONG, source="10.1.1.1")).status_code == 401
    for source in range(10):  # hammering during the wait: refused, not counted
        resp = await copies.login(victim, WRONG, source=f"10.2.0.{source}")
        assert resp.status_code == 429
    copies.clock.advance(MAX_DELAY)
    assert (await copies.login(victim, source="192.0.2.10")).status_code == 200


async def test_a_source_failing_too_often_is_refused_on_every_copy_and_only_it(
    copies: Copies,
) -> None:
    email = await copies.agent("agent@urssaf.example")
    for i in range(SOURCE_FAILURES):  # each on an identifier of its own: no account waits
        resp = await copies.login(f"inconnu{i}@example.fr", WRONG, copy=i % 2, source="10.9.9.9")
        assert resp.status_code == 401, (i, resp.text)
    for copy in (0, 1):
        refused = await copies.login(email, copy=copy, source="10.9.9.9")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
    assert (await copies.login(email, source="10.8.8.8")).status_code == 200
    copies.clock.advance(timedelta(minutes=16))
    assert (await copies.login(email, source="10.9.9.9")).status_code == 200


async def test_a_password_reset_ends_the_wait(copies: Copies) -> None:
    email = await copies.agent("agent@urssaf.example")
    for _ in range(6):
        copies.clock.advance(timedelta(seconds=8))
        await copies.login(email, WRONG)
    assert (await copies.login(email)).status_code == 429
    app, api = copies.apps[1]
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        assert (await client.post("/v1/auth/password-reset", json={"email": email})).is_success
        async with app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload).where(
                        orm.outbox.c.event_type == "identity.account.password_reset_requested.v1"
                    )
                )
            ).scalars()
            sealed = [json.loads(r)["sealed_link"] for r in rows][-1]
        token = parse_qs(urlparse(unseal(copies.private_key, sealed)).query)["token"][0]
        new = "Un tout nouveau mot de passe"
        done = await client.post(
            "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new}
        )
        assert done.status_code == 200, done.text
    assert (await copies.login(email, new)).status_code == 200


async def test_attempts_made_at_once_on_two_copies_are_decided_one_after_the_other(
    copies: Copies,
) -> None:
    """A burst of guesses on one account, on both copies at once: only the free failures are
    checked, every other attempt waits."""
    email = await copies.agent("agent@urssaf.example")
    await copies.login(email, copy=1)  # the throttle's row exists before the burst too
    statuses = await asyncio.gather(
        *(copies.login(email, WRONG, copy=i % 2, source=f"10.3.0.{i}") for i in range(12))
    )
    assert sorted(r.status_code for r in statuses) == [401] * 3 + [429] * 9


async def test_an_unknown_identifier_as_long_as_allowed_is_throttled_like_any(
    copies: Copies,
) -> None:
    longest = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "fr"
    longest = longest[:320]
    for _ in range(3):
        assert (await copies.login(longest, WRONG)).status_code == 401
    assert (await copies.login(longest, WRONG)).status_code == 429
