"""Password work (Argon2) is CPU-bound: it runs in worker threads with a bounded queue, so
concurrent logins never freeze the event loop, and a full queue is refused at once (503)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from identity.adapters.nir_vault import NirVault
from identity.adapters.security import Argon2PasswordHasher, PasswordWorkPool
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.domain import commands, errors
from identity.entrypoints.http import create_app
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager

PASSWORD = "Une phrase de passe solide"
LOGINS = 8


class TimedArgon2(Argon2PasswordHasher):
    """Real Argon2, costly enough to be seen; records how long each verification took."""

    def __init__(self) -> None:
        super().__init__(time_cost=3, memory_cost=32768, parallelism=1)
        self.verifications: list[float] = []

    def verify(self, password_hash: str, password: str) -> bool:
        started = time.perf_counter()
        try:
            return super().verify(password_hash, password)
        finally:
            self.verifications.append(time.perf_counter() - started)


class HeldHasher(Argon2PasswordHasher):
    """Holds each verification until released (or ten seconds), to fill the queue."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.entered = threading.Event()
        self.release = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        self.entered.set()
        self.release.wait(timeout=10)
        return super().verify(password_hash, password)


@asynccontextmanager
async def _identity(
    database_url: str, hasher: Argon2PasswordHasher, **settings: int
) -> AsyncIterator[tuple[IdentityApp, httpx.AsyncClient]]:
    _, public = generate_keypair()
    app = bootstrap(
        IdentitySettings(
            database_url=database_url,
            notifications_public_key=public,
            nir_key=NirVault.generate_key(),
            rate_limit_login_per_minute=1000,
            **settings,
        ),
        hasher=hasher,
    )
    api = create_app(app)
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            yield app, client


async def test_the_event_loop_stays_responsive_during_concurrent_logins(tmp_path: Path) -> None:
    hasher = TimedArgon2()
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    async with _identity(url, hasher, password_hash_workers=1) as (app, client):
        for n in range(LOGINS):
            await app.auth_bus.handle(commands.CreateAgent(f"a{n}@urssaf.example", "A", PASSWORD))
        hasher.verifications.clear()
        done = asyncio.Event()
        gaps: list[float] = []

        async def probe() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        async def logins() -> list[httpx.Response]:
            try:
                return await asyncio.gather(
                    *(
                        client.post(
                            "/v1/auth/token",
                            json={"username": f"a{n}@urssaf.example", "password": PASSWORD},
                        )
                        for n in range(LOGINS)
                    )
                )
            finally:
                done.set()

        started = time.perf_counter()
        answers, _ = await asyncio.gather(logins(), probe())
        total = time.perf_counter() - started
    assert [r.status_code for r in answers] == [200] * LOGINS
    assert len(hasher.verifications) == LOGINS
    # A verification on the loop stops the probe for its whole length: the time the loop stood
    # still (gaps over 20 ms) would be about the sum of the verifications. Off the loop it is a
    # small part of it (a busy machine's scheduler may still stall the loop once or twice).
    stalled = sum(gap for gap in gaps if gap > 0.02)
    assert stalled < sum(hasher.verifications) / 4, (stalled, max(gaps), hasher.verifications)
    assert stalled < total / 4, (stalled, total)


@pytest.mark.postgres
async def test_a_full_password_queue_answers_503_with_retry_after_at_once(
    postgres_database_url: str,
) -> None:
    """On PostgreSQL, where two accounts' logins do not wait on each other's rows (SQLite
    would make the second wait for the first's write lock before it reaches the hasher)."""
    hasher = HeldHasher()
    async with _identity(
        postgres_database_url, hasher, password_hash_workers=1, password_hash_queue=0
    ) as (app, client):
        for name in ("a", "b"):
            await app.auth_bus.handle(commands.CreateAgent(f"{name}@urssaf.example", "A", PASSWORD))
        first = asyncio.create_task(
            client.post(
                "/v1/auth/token", json={"username": "a@urssaf.example", "password": PASSWORD}
            )
        )
        reached = await asyncio.to_thread(hasher.entered.wait, 10)
        assert reached, "the first login never reached the hasher"
        try:
            second = await client.post(
                "/v1/auth/token", json={"username": "b@urssaf.example", "password": PASSWORD}
            )
        finally:
            hasher.release.set()
        assert (await first).status_code == 200
        assert app.password_work.in_flight == 0
        again = await client.post(
            "/v1/auth/token", json={"username": "b@urssaf.example", "password": PASSWORD}
        )
    assert second.status_code == 503, second.text
    assert second.headers["content-type"].startswith("application/problem+json")
    assert second.headers["Retry-After"] == "1"
    assert second.json()["type"].endswith("/password-work-overloaded")
    assert "Réessayez dans 1 seconde" in second.json()["detail"]
    assert again.status_code == 200, again.text


async def test_the_pool_refuses_beyond_its_workers_and_queue_and_frees_every_slot() -> None:
    hasher = HeldHasher()
    pool = PasswordWorkPool(hasher, workers=1, queue=1, retry_after_s=2)
    hashed = await pool.hash(PASSWORD)
    hasher.entered.clear()
    running = asyncio.create_task(pool.verify(hashed, PASSWORD))
    waiting = asyncio.create_task(pool.verify(hashed, "faux mot de passe"))
    assert await asyncio.to_thread(hasher.entered.wait, 10)
    assert pool.in_flight == 2
    with pytest.raises(errors.PasswordWorkOverloaded) as refused:
        await pool.verify(hashed, PASSWORD)
    assert refused.value.retry_after_s == 2
    hasher.release.set()
    assert await running is True
    assert await waiting is False
    assert pool.in_flight == 0
    pool.close()
