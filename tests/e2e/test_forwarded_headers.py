"""identity's api as a real process (uvicorn through servicekit's ``serve_api``): the login rate
limit counts the peer's address, and believes ``X-Forwarded-For`` only from the proxies named in
``TRUSTED_PROXIES``. From anyone else, changing the header does not escape the limit; from a
trusted proxy, the forwarded address is the one counted (in the process's limiter and in the
database's per-source counter)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.platform import start_process
from devstack.ports import free_port
from devstack.services import ServiceSpec
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e]

LIMIT = 3
"""Logins a minute per client address, for both copies."""


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """Two copies of identity's api on one database: the first trusts no proxy, the second
    trusts 127.0.0.1 — the address the test's requests come from. The api never talks to Kafka
    (its worker does), so no broker is started."""
    running = run_platform(
        tmp_path_factory.mktemp("var"),
        "127.0.0.1:9",
        services=["identity"],
        roles=("api",),
        env={"IDENTITY_RATE_LIMIT_LOGIN_PER_MINUTE": str(LIMIT)},
        process_env={"identity-api": {"TRUSTED_PROXIES": ""}},
    )
    try:
        # a second copy on ports of its own (the same database), trusting the test's address
        running.cfg.process_env["identity-api"] = {"TRUSTED_PROXIES": "127.0.0.1"}
        spec = running.spec("identity")
        trusted = ServiceSpec(spec.name, free_port(), free_port())
        name = "identity-api-trusted"
        running.processes[name] = start_process(running.cfg, trusted, "api", name)
        yield running
    finally:
        running.stop()


def _login(url: str, n: int, forwarded_for: str) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/auth/token",
        json={"username": f"inconnu{n}@example.fr", "password": "pas le bon mot de passe"},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )


def _counted_sources(platform: RunningPlatform) -> set[str]:
    """The source addresses identity's database counted failed logins for."""
    url = platform.cfg.database_url("identity")
    path = Path(url.split(":///", 1)[1])
    with sqlite3.connect(path) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM attempt_windows")]
    return {k.removeprefix("login-source:") for k in keys if k.startswith("login-source:")}


def test_an_untrusted_peer_cannot_escape_the_limit_by_changing_x_forwarded_for(
    identity: RunningPlatform,
) -> None:
    url = identity.api("identity")
    statuses = [_login(url, n, f"203.0.113.{n}").status_code for n in range(LIMIT)]
    assert statuses == [401] * LIMIT
    refused = _login(url, LIMIT, "203.0.113.200")
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    counted = _counted_sources(identity)
    assert "127.0.0.1" in counted
    assert not any(s.startswith("203.0.113.") for s in counted)


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(
    identity: RunningPlatform,
) -> None:
    url = identity.url("identity-api-trusted")
    statuses = [_login(url, 100 + n, "198.51.100.7").status_code for n in range(LIMIT)]
    assert statuses == [401] * LIMIT
    assert _login(url, 200, "198.51.100.7").status_code == 429
    other = _login(url, 201, "198.51.100.8")
    assert other.status_code == 401, other.text  # another client behind the proxy: its own count
    assert {"198.51.100.7", "198.51.100.8"} <= _counted_sources(identity)
