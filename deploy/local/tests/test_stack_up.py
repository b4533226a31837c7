"""The README's run command: ``make up`` (``python -m devstack up`` once the dependencies are
installed) brings the whole platform up on its fixed local ports, prints the gateway's address
first, serves the portal and every api through it, and ``make down`` stops exactly what it
started. Run on a fresh folder (its ``var/``), as on a fresh clone."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.processes import alive
from devstack.stack import CONTROLLER_PORT, KAFKA_PORT, LAGWATCH_PORT, SMTP_PORT

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.slow]

SERVICES = ("identity", "mandates", "cotisations", "attestations", "appointments", "notifications")
FIXED_PORTS = (8080, 8161, KAFKA_PORT, CONTROLLER_PORT, SMTP_PORT, LAGWATCH_PORT)


def _devstack(root: Path, *args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(params=[1, 2], ids=["one-copy", "two-copies"])
def stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str]]:
    """``make up``, and ``make up COPIES=2``."""
    busy = [p for p in FIXED_PORTS if _taken(p)]
    if busy:
        pytest.fail(f"the local ports {busy} are taken (is `make up` running? `make down` first)")
    try:
        up = _devstack(tmp_path, "up", "--copies", str(request.param), timeout_s=400)
        assert up.returncode == 0, up.stdout + up.stderr
        yield tmp_path, up.stdout
    finally:
        _devstack(tmp_path, "down", timeout_s=120)


def _served(api_url: str, route: str) -> float:
    text = httpx.get(f"{api_url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and f'route="{route}"' in line
    )


def _each_copy_answers_through_the_gateway(site: str, rows: list[dict[str, str]]) -> None:
    """The gateway shares an api's requests between its copies (each counts some)."""
    route = "/.well-known/jwks.json"
    urls = {r["name"]: r.get("url") or "" for r in rows}
    for _ in range(20):
        assert httpx.get(f"{site}/api/identity{route}", timeout=10).status_code == 200
    counts = [_served(urls[name], route) for name in ("identity-api", "identity-api-2")]
    assert all(count > 0 for count in counts), counts
    assert sum(counts) >= 20, counts


def test_up_prints_the_gateway_first_serves_every_api_through_it_and_down_stops_it_all(
    stack: tuple[Path, str],
) -> None:
    root, printed = stack
    first = printed.splitlines()[0]
    assert first.startswith("Mon compte: http://127.0.0.1:8080/"), printed
    site = "http://127.0.0.1:8080"
    with httpx.Client(timeout=10) as client:
        home = client.get(f"{site}/connexion")
        assert home.status_code == 200
        assert 'lang="fr"' in home.text
        assert "Se connecter" in home.text
        for service in SERVICES:
            ready = client.get(f"{site}/api/{service}/health/ready")
            assert ready.status_code == 200, (service, ready.text)
        assert client.get(f"{site}/api/identity/.well-known/jwks.json").json()["keys"]
        assert client.get(f"{site}/api/docs").status_code == 200
    rows = json.loads(_devstack(root, "status", timeout_s=30).stdout)
    copies = 2 if "identity-api-2" in printed else 1
    assert {r["name"] for r in rows} >= {
        f"{s}-{role}{suffix}"
        for s in SERVICES
        for role in ("api", "worker")
        for suffix in ["", *(f"-{n}" for n in range(2, copies + 1))]
    }
    assert all(r["alive"] for r in rows), rows
    if copies == 2:
        _each_copy_answers_through_the_gateway(site, rows)
    pids = [r["pid"] for r in rows if r["pid"]]

    down = _devstack(root, "down", timeout_s=120)
    assert down.returncode == 0, down.stderr
    assert f"stopped {len(rows)} processes" in down.stdout
    assert not [pid for pid in pids if alive(pid)]
    assert not [p for p in FIXED_PORTS if _taken(p)]
