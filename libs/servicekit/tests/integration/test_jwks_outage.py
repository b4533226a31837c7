"""identity's JWKS served by a real HTTP server on loopback, stopped while services verify
tokens: the last good key set serves for a bounded grace, then every authenticated call is a
503 problem+json with ``Retry-After``, and ``/health/ready`` says which state the keys are in."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, Depends, FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import (
    ACCESS_TOKEN_TYPE,
    PLATFORM_AUDIENCES,
    Principal,
    TokenVerifier,
    audience_of,
    http_jwks_fetcher,
)
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import health_router, jwks_check
from servicekit.http import create_http_app
from servicekit.problems import Unavailable, install_problem_handlers
from servicekit.testing.polling import eventually

KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "k1"})
TTL_S, GRACE_S = 60.0, 300.0


def _token(sub: str = "acc-1") -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "act": "agent",
        "iss": "mon-compte-identity",
        "aud": list(PLATFORM_AUDIENCES),
        "token_use": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    header = {"alg": "Ed25519", "kid": KEY.kid, "typ": ACCESS_TOKEN_TYPE}
    return jwt.encode(header, claims, KEY, algorithms=["Ed25519"])


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self) -> None:
        self.port = 0
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        body = json.dumps(KeySet([KEY]).as_dict(private=False)).encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/.well-known/jwks.json"


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[JwksServer]:
    jwks = JwksServer()
    jwks.start()
    yield jwks
    if jwks._server is not None:
        jwks._server.server_close()


def _verifier(server: JwksServer, clock: Monotonic) -> TokenVerifier:
    return TokenVerifier(
        http_jwks_fetcher(server.url),
        audience=audience_of("mandates"),
        ttl_s=TTL_S,
        grace_s=GRACE_S,
        retry_interval_s=5.0,
        monotonic=clock,
    )


def _whoami(verifier: TokenVerifier) -> APIRouter:
    principal = bearer_principal(verifier)
    router = APIRouter()

    @router.get("/v1/whoami")
    async def whoami(who: Annotated[Principal, Depends(principal)]) -> dict[str, str]:
        return {"subject": who.subject}

    return router


def _api(verifier: TokenVerifier) -> FastAPI:
    api = FastAPI()
    api.include_router(_whoami(verifier))
    api.include_router(health_router([jwks_check(verifier)]))
    install_problem_handlers(api)
    return api


async def test_the_last_good_keys_serve_through_the_grace_then_calls_get_a_503(
    server: JwksServer,
) -> None:
    clock = Monotonic()
    verifier = _verifier(server, clock)
    cached = _token("acc-1")
    assert (await verifier.verify(cached)).subject == "acc-1"
    server.stop()

    clock.now += TTL_S + 1  # the key set is stale and identity cannot be reached
    assert (await verifier.verify(cached)).subject == "acc-1"
    assert (await verifier.verify(_token("acc-2"))).subject == "acc-2"
    assert verifier.jwks_state().startswith("grace")

    clock.now += GRACE_S  # past the grace
    for token in (cached, _token("acc-3")):
        with pytest.raises(Unavailable) as refused:
            await verifier.verify(token)
        assert refused.value.status == 503
        assert refused.value.headers["Retry-After"] == "5"
        assert "momentanément" in refused.value.detail

    server.start()  # identity is back: the next call past the retry interval fetches again
    clock.now += 5
    assert (await verifier.verify(cached)).subject == "acc-1"
    assert verifier.jwks_state().startswith("ok")


async def test_identity_is_asked_again_at_most_once_per_retry_interval_while_it_is_down(
    server: JwksServer,
) -> None:
    clock = Monotonic()
    verifier = _verifier(server, clock)
    assert (await verifier.verify(_token())).subject == "acc-1"
    server.stop()
    clock.now += TTL_S + 1
    for _ in range(20):
        await verifier.verify(_token())
    assert verifier.refresh_failures == 1


async def test_over_http_the_outage_is_a_french_503_and_readiness_reports_the_keys(
    server: JwksServer,
) -> None:
    clock = Monotonic()
    verifier = _verifier(server, clock)
    transport = httpx.ASGITransport(app=_api(verifier))
    headers = {"Authorization": f"Bearer {_token()}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["jwks"] == "not fetched yet"

        assert (await client.get("/v1/whoami", headers=headers)).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["jwks"].startswith("ok")

        server.stop()
        clock.now += TTL_S + 1
        assert (await client.get("/v1/whoami", headers=headers)).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["jwks"].startswith("grace")

        clock.now += GRACE_S
        resp = await client.get("/v1/whoami", headers=headers)
        assert resp.status_code == 503
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["retry-after"] == "5"
        assert resp.json()["detail"] == (
            "La vérification des jetons d'accès est momentanément indisponible. "
            "Réessayez dans quelques instants."
        )
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["jwks"].startswith("unavailable")


async def test_identity_unreachable_from_the_start_is_a_503_not_a_500(
    server: JwksServer,
) -> None:
    server.stop()
    verifier = _verifier(server, Monotonic())
    transport = httpx.ASGITransport(app=_api(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        resp = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {_token()}"})
        assert resp.status_code == 503
        assert resp.headers["content-type"] == "application/problem+json"
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["jwks"].startswith("unavailable")


def _served(verifier: TokenVerifier) -> FastAPI:
    """An api as the services make theirs: the key set fetched from its start."""
    return create_http_app(
        service="mandates",
        title="t",
        description="t",
        routers=[_whoami(verifier)],
        checks=[jwks_check(verifier)],
        verifier=verifier,
    )


async def test_an_api_fetches_the_key_set_at_start_not_at_its_first_request(
    server: JwksServer,
) -> None:
    verifier = TokenVerifier(http_jwks_fetcher(server.url), audience=audience_of("mandates"))
    api = _served(verifier)
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:

            async def keys_fetched() -> bool:
                ready = await client.get("/health/ready")
                return bool(ready.json()["checks"]["jwks"].startswith("ok: 1 key(s)"))

            await eventually(keys_fetched, timeout_s=10, message="no key set fetched at start")
            assert server.requests == 1
            headers = {"Authorization": f"Bearer {_token()}"}
            assert (await client.get("/v1/whoami", headers=headers)).status_code == 200
    assert server.requests == 1  # the first token found the keys there


async def test_an_api_started_while_identity_is_down_fetches_the_keys_once_it_answers(
    server: JwksServer,
) -> None:
    port = server.port
    server.stop()
    asked: list[float] = []
    fetch = http_jwks_fetcher(server.url)

    async def counted() -> dict[str, Any]:
        asked.append(time.monotonic())
        return await fetch()

    verifier = TokenVerifier(counted, audience=audience_of("mandates"), retry_interval_s=0.2)
    api = _served(verifier)
    async with LifespanManager(api):

        async def asked_again() -> bool:
            return len(asked) >= 2

        await eventually(asked_again, timeout_s=10, message="identity not asked again")
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
            ready = await client.get("/health/ready")
            # an api started before identity is ready: the services start in any order
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["jwks"] == "not fetched yet"
            server.port = port
            server.start()

            async def fetched() -> bool:
                return verifier.jwks_state().startswith("ok")

            await eventually(
                fetched, timeout_s=10, message="keys not fetched once identity is back"
            )
            headers = {"Authorization": f"Bearer {_token()}"}
            assert (await client.get("/v1/whoami", headers=headers)).status_code == 200
    assert server.requests == 1
