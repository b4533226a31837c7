"""Benchmark of authentication: logins per second and their p99 with the chosen Argon2id
parameters (identity's real login: database, throttle, hash, token), and the throughput of an
authenticated read endpoint against the same endpoint without authentication, in one run
(target ratio ≥ 0.8). One JSON line."""

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from servicekit.auth import Principal, TokenVerifier, audience_of
from servicekit.fastapi_auth import bearer_principal
from servicekit.http import create_http_app
from servicekit.logging import configure_logging
from servicekit.sealing import generate_keypair

PASSWORD = "Une phrase de passe solide"


async def logins(folder: Path, n: int) -> tuple[float, float, str, dict[str, Any]]:
    _, public = generate_keypair()
    settings = IdentitySettings(
        database_url=f"sqlite+aiosqlite:///{folder}/identity.db",
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
    )
    app = bootstrap(settings)
    await app.migrate()
    await app.start_api()
    await app.auth_bus.handle(commands.CreateAgent("bench@urssaf.example", "Bench", PASSWORD))
    durations = []
    token = ""
    for _ in range(n):
        started = time.perf_counter()
        result = await app.auth_bus.handle(commands.Login("bench@urssaf.example", PASSWORD))
        durations.append(time.perf_counter() - started)
        token = result["access_token"]
    jwks = app.keys.jwks()
    await app.stop_api()
    await app.stop()
    p99 = statistics.quantiles(durations, n=100)[98]
    return n / sum(durations), p99, token, jwks


async def reads(token: str, jwks: dict[str, Any], n: int) -> tuple[float, float]:
    async def fetch() -> dict[str, Any]:
        return jwks

    principal = bearer_principal(TokenVerifier(fetch, audience=audience_of("mandates")))
    router = APIRouter()

    @router.get("/authenticated")
    async def authenticated(who: Annotated[Principal, Depends(principal)]) -> dict[str, str]:
        return {"subject": who.subject, "status": "ok"}

    @router.get("/open")
    async def open_() -> dict[str, str]:
        return {"subject": "anonymous", "status": "ok"}

    api = create_http_app(service="bench", title="b", description="b", routers=[router], checks=[])
    transport = httpx.ASGITransport(app=api)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        elapsed = {"/open": 0.0, "/authenticated": 0.0}
        for path in elapsed:  # warm both paths up before measuring
            for _ in range(200):
                await client.get(path, headers=headers)
        rounds = 10
        for _ in range(rounds):  # alternate, so drift of the machine hits both alike
            for path in elapsed:
                started = time.perf_counter()
                for _ in range(n // rounds):
                    resp = await client.get(path, headers=headers)
                    assert resp.status_code == 200
                elapsed[path] += time.perf_counter() - started
    return n / elapsed["/authenticated"], n / elapsed["/open"]


def main() -> None:
    configure_logging("bench", json=True, level="WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        login_rate, p99, token, jwks = asyncio.run(logins(Path(tmp), 200))
    with_auth, without = asyncio.run(reads(token, jwks, 3000))
    print(
        json.dumps(
            {
                "bench": "auth",
                "argon2": "argon2id t=2 m=19456KiB p=1",
                "logins_per_s": round(login_rate, 1),
                "login_p99_ms": round(p99 * 1000, 1),
                "authenticated_rps": round(with_auth, 1),
                "unauthenticated_rps": round(without, 1),
                "ratio": round(with_auth / without, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
