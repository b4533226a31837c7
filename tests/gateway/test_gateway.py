"""The gateway as it runs: a real Envoy, rendered from the one template, in front of the real
api processes of identity and attestations (SQLite, no broker: the apis never talk to Kafka).

What the edge does is asserted through it: the prefix routing and each api's docs behind its
prefix, the token checked at the edge (401 problem without one, a real token from identity's
login passed through to the service), the public routes reachable without a token, the login's
rate limit (429 with Retry-After), the body limit (413), CORS, the security headers and the
JSON access log carrying the request's trace."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from devstack import gateway
from devstack.platform import service_env, wait_ready
from devstack.ports import free_port
from devstack.processes import Started, spawn, terminate
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e]

SERVICES = ("identity", "attestations")
LOGIN_BURST = 5
"""Logins the gateway lets through in this test (the fixture spends one); refilled only after
an hour, so the count cannot move while the module runs."""
LOGIN_REFILL_S = 3600
ALLOWED_ORIGIN = "https://portail.mon-compte.example"
AGENT_EMAIL, AGENT_PASSWORD = "agent.passerelle@example.fr", "Une phrase de passe solide"


@dataclass
class Gateway:
    url: str
    admin: str
    metrics: str
    access_log: Path
    platform: RunningPlatform
    token: str

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def _create_agent(platform: RunningPlatform) -> None:
    env = service_env(platform.cfg, platform.spec("identity"))
    env["IDENTITY_AGENT_PASSWORD"] = AGENT_PASSWORD
    done = subprocess.run(
        [sys.executable, "-m", "identity.entrypoints.agents", AGENT_EMAIL, "Anne Passerelle"],
        env=env,
        cwd=platform.cfg.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    var = tmp_path_factory.mktemp("var")
    platform = run_platform(
        var,
        "127.0.0.1:9",
        services=SERVICES,
        roles=("api",),
        env=gateway.root_path_env(SERVICES),
    )
    envoy: Started | None = None
    try:
        _create_agent(platform)
        access_log = var / "log" / "gateway-access.log"
        params = gateway.local_params(
            api_ports={name: platform.spec(name).api_port for name in SERVICES},
            listen_port=free_port(),
            admin_port=free_port(),
            metrics_port=free_port(),
            portal_port=free_port(),  # nothing listens there: no portal in this test
            access_log=str(access_log),
            cors_origins=[ALLOWED_ORIGIN],
        )
        login = gateway.RateLimit(
            "login", burst=LOGIN_BURST, refill=LOGIN_BURST, every_seconds=LOGIN_REFILL_S
        )
        params = replace(params, limits={**params.limits, "login": login})
        config = var / "gateway.yaml"
        config.write_text(gateway.render(params))
        envoy = spawn("gateway", gateway.command(config), {}, var / "log", platform.cfg.root)
        wait_ready(f"{params.admin_url}/ready", envoy)
        url = params.url.rstrip("/")
        answer = httpx.post(
            f"{url}/api/identity/v1/auth/token",
            json={"username": AGENT_EMAIL, "password": AGENT_PASSWORD},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        yield Gateway(
            url,
            params.admin_url,
            params.metrics_url,
            access_log,
            platform,
            answer.json()["access_token"],
        )
    finally:
        if envoy is not None:
            terminate(envoy.pid)
        platform.stop()


def _problem(resp: httpx.Response, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers
    body: dict[str, object] = resp.json()
    assert body["status"] == status
    return body


def test_a_service_is_reached_under_its_prefix_with_the_prefix_taken_off(gw: Gateway) -> None:
    ready = gw.get("/api/identity/health/ready")
    assert ready.status_code == 200, ready.text
    jwks = gw.get("/api/identity/.well-known/jwks.json")
    assert jwks.status_code == 200
    assert jwks.json()["keys"], jwks.text
    other = gw.get("/api/attestations/health/live")
    assert other.status_code == 200, other.text


def test_each_apis_docs_work_behind_its_prefix(gw: Gateway) -> None:
    page = gw.get("/api/identity/docs")
    assert page.status_code == 200, page.text
    assert "swagger-ui" in page.text
    # the page's own files, relative to it, come through the gateway too
    assets = gw.get("/api/identity/docs/assets/swagger-ui-bundle.js")
    assert assets.status_code == 200
    openapi = gw.get("/api/identity/openapi.json").json()
    assert openapi["servers"] == [{"url": "/api/identity"}]
    assert "/v1/auth/token" in openapi["paths"]
    # and the api still answers directly, on its own paths
    direct = httpx.get(f"{gw.platform.api('identity')}/openapi.json", timeout=30)
    assert direct.status_code == 200


def test_the_federated_docs_page_links_every_services_openapi(gw: Gateway) -> None:
    page = gw.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "documentation des API" in page.text
    for name in SERVICES:
        assert f'href="/api/{name}/docs"' in page.text
        assert f'href="/api/{name}/openapi.json"' in page.text


def test_a_protected_route_without_a_token_is_refused_at_the_edge(gw: Gateway) -> None:
    resp = gw.get("/api/identity/v1/me")
    body = _problem(resp, 401)
    assert body["type"] == "https://mon-compte.example/problems/unauthorized"
    assert body["instance"] == "/api/identity/v1/me"
    assert "Jeton d'accès" in str(body["detail"])
    assert "www-authenticate" in resp.headers
    forged = gw.get("/api/identity/v1/me", headers={"Authorization": "Bearer abc.def.ghi"})
    _problem(forged, 401)


def test_a_real_token_from_identitys_login_reaches_the_service(gw: Gateway) -> None:
    resp = gw.get("/api/identity/v1/me", headers={"Authorization": f"Bearer {gw.token}"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["actor"] == "agent"


def test_public_routes_need_no_token(gw: Gateway) -> None:
    refresh = gw.post("/api/identity/v1/auth/refresh", json={"refresh_token": "inconnu"})
    assert refresh.status_code in (400, 401, 422), refresh.text
    assert "Jeton d'accès absent" not in refresh.text  # the service's answer, not the edge's
    verification = gw.get("/api/attestations/v1/verifications/ABCD-EFGH-JKLM")
    assert verification.status_code in (200, 404, 422), verification.text
    activation = gw.get("/api/identity/v1/accounts/activation", params={"token": "x"})
    assert activation.status_code != 401 or "Jeton d'accès absent" not in activation.text


def test_a_login_burst_is_limited_at_the_edge_with_retry_after(gw: Gateway) -> None:
    statuses: list[int] = []
    refused: httpx.Response | None = None
    for n in range(LOGIN_BURST + 2):
        resp = gw.post(
            "/api/identity/v1/auth/token",
            json={"username": f"inconnu{n}@example.fr", "password": "pas le bon mot de passe"},
        )
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            refused = resp
            break
    assert refused is not None, statuses
    assert len(statuses) <= LOGIN_BURST, statuses  # the fixture's login spent one token
    body = _problem(refused, 429)
    assert body["type"] == "https://mon-compte.example/problems/rate-limited"
    assert "réessayez" in str(body["detail"])
    assert refused.headers["retry-after"] == str(LOGIN_REFILL_S)


def test_a_body_over_the_limit_is_refused_with_413(gw: Gateway) -> None:
    big = b"x" * (gateway.BODY_LIMIT_BYTES + 1)
    resp = gw.post(
        "/api/identity/v1/accounts/activation",
        content=big,
        headers={"content-type": "application/json"},
    )
    body = _problem(resp, 413)
    assert "taille maximale" in str(body["detail"])


def test_an_import_route_lets_a_larger_body_through_to_the_service(gw: Gateway) -> None:
    # over the gateway's default limit, under its import limit: the service's own limit answers
    body = b"nir;nom\n" + b"x" * (2 * gateway.BODY_LIMIT_BYTES)
    resp = gw.post(
        "/api/identity/v1/affiliates/imports",
        content=body,
        headers={"Authorization": f"Bearer {gw.token}", "content-type": "text/csv"},
    )
    problem = _problem(resp, 413)
    assert "1048576 octets" in str(problem["detail"]), problem  # identity's words, not the edge's


def test_cors_preflight_allows_the_listed_origin_only(gw: Gateway) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = httpx.options(
        f"{gw.url}/api/identity/v1/me",
        headers={"Origin": ALLOWED_ORIGIN, **preflight},
        timeout=30,
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"]
    denied = httpx.options(
        f"{gw.url}/api/identity/v1/me",
        headers={"Origin": "https://ailleurs.example", **preflight},
        timeout=30,
    )
    assert "access-control-allow-origin" not in denied.headers


@pytest.mark.parametrize(
    "path", ["/api/identity/health/live", "/api/identity/v1/me", "/api/docs", "/api/inconnu"]
)
def test_every_answer_carries_the_security_headers(gw: Gateway, path: str) -> None:
    resp = gw.get(path)
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "strict-transport-security" not in resp.headers  # the local profile: no HSTS


def _logged(gw: Gateway, request_id: str) -> dict[str, object]:
    """The access log's line of a request, waited for (Envoy writes its log every second)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if gw.access_log.exists():
            for line in gw.access_log.read_text().splitlines():
                entry: dict[str, object] = json.loads(line)
                if entry.get("request_id") == request_id:
                    return entry
        time.sleep(0.1)
    raise AssertionError(f"no access log line for the request {request_id}")


def test_the_access_log_is_json_with_the_requests_trace(gw: Gateway) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    resp = gw.get("/api/identity/health/live?x=secret", headers={"traceparent": traceparent})
    found = _logged(gw, resp.headers["x-request-id"])
    assert found["traceparent"] == traceparent
    assert found["path"] == "/api/identity/health/live"  # as sent, without its query
    assert found["status"] == 200
    assert found["upstream"] == "api_identity"
    own = _logged(gw, gw.get("/api/docs").headers["x-request-id"])  # the gateway's own answer
    assert own["path"] == "/api/docs"
    assert own["route"] == "api-docs"


def test_the_access_log_never_writes_a_manage_links_token(gw: Gateway) -> None:
    secret = "lien-secret-0123456789"
    resp = gw.get(f"/api/appointments/v1/appointments/manage/{secret}")
    request_id = resp.headers["x-request-id"]
    deadline = time.monotonic() + 15
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        text = gw.access_log.read_text() if gw.access_log.exists() else ""
        lines = [line for line in text.splitlines() if request_id in line]
        if not lines:
            time.sleep(0.1)
    assert lines, "no access log line for the request"
    assert secret not in lines[0]
    assert json.loads(lines[0])["method"] == "GET"


def test_the_gateways_own_metrics_are_on_a_listener_that_serves_nothing_else(
    gw: Gateway,
) -> None:
    gw.get("/api/identity/.well-known/jwks.json")  # one request through, counted
    stats = httpx.get(f"{gw.metrics}/stats/prometheus", timeout=30)
    assert stats.status_code == 200
    assert "envoy_http_downstream_rq_total" in stats.text
    counted = [
        line
        for line in stats.text.splitlines()
        if line.startswith(
            'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="gateway"}'
        )
    ]
    assert counted
    assert float(counted[0].rsplit(" ", 1)[1]) >= 1
    # the admin interface's other pages (its configuration, its stop) are not reached from there
    for path in ("/config_dump", "/stats", "/ready", "/clusters"):
        assert httpx.get(f"{gw.metrics}{path}", timeout=30).status_code == 404, path
    assert httpx.post(f"{gw.metrics}/quitquitquit", timeout=30).status_code == 404
    assert httpx.post(f"{gw.metrics}/stats/prometheus", timeout=30).status_code == 404
    assert httpx.get(f"{gw.admin}/ready", timeout=30).status_code == 200  # still running
    # and a service's metrics are not for callers of the gateway
    _problem(gw.get("/api/identity/metrics"), 404)


def test_a_service_that_does_not_answer_is_a_503_problem_with_retry_after(gw: Gateway) -> None:
    # "/" goes to the portal, and no portal runs in this test
    resp = gw.get("/")
    body = _problem(resp, 503)
    assert body["type"] == "https://mon-compte.example/problems/unavailable"
    assert int(resp.headers["retry-after"]) >= 1


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # the name Envoy knows (ADR 0022)
def test_identitys_keys_out_of_reach_is_a_503_not_a_401(tmp_path: Path) -> None:
    """A well-formed token while identity's key set cannot be fetched: the gateway cannot say
    the token is bad, so it does not send the caller back to the login page (ADR 0010)."""
    from joserfc import jwt
    from joserfc.jwk import OKPKey

    params = gateway.local_params(
        api_ports={"identity": free_port()},  # nothing listens there
        listen_port=free_port(),
        admin_port=free_port(),
        portal_port=free_port(),
        access_log=str(tmp_path / "access.log"),
        cors_origins=[],
    )
    config = tmp_path / "gateway.yaml"
    config.write_text(gateway.render(params))
    envoy = spawn("gateway", gateway.command(config), {}, tmp_path, tmp_path)
    try:
        wait_ready(f"{params.admin_url}/ready", envoy)
        key = OKPKey.generate_key("Ed25519", parameters={"kid": "k1"})
        now = int(time.time())
        claims = {
            "iss": "mon-compte-identity",
            "aud": ["mon-compte:gateway"],
            "sub": "quelqu-un",
            "token_use": "access",
            "nbf": now,
            "exp": now + 600,
        }
        header = {"alg": gateway.JWT_ALGORITHM, "kid": "k1", "typ": "at+jwt"}
        token = jwt.encode(header, claims, key, algorithms=[gateway.JWT_ALGORITHM])
        resp = httpx.get(
            f"{params.url}api/identity/v1/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        body = _problem(resp, 503)
        assert body["type"] == "https://mon-compte.example/problems/unavailable"
        assert "réessayez" in str(body["detail"])
        assert int(resp.headers["retry-after"]) >= 1
        # without a token it is still the caller's to fix: 401
        _problem(httpx.get(f"{params.url}api/identity/v1/me", timeout=30), 401)
    finally:
        terminate(envoy.pid)
