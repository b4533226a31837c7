"""Every api's documentation pages work with no network, and let a person try a token."""

import re
import time
from typing import Annotated, Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey
from servicekit.auth import Principal, TokenVerifier, audience_of
from servicekit.fastapi_auth import bearer_principal
from servicekit.http import create_http_app
from starlette.applications import Starlette
from starlette.routing import Mount

PAGES = ["/docs", "/redoc"]
_KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "k1"})


async def _jwks() -> dict[str, Any]:
    return KeySet([_KEY]).as_dict(private=False)


def _token() -> str:
    now = int(time.time())
    claims = {
        "sub": "acc-1",
        "act": "agent",
        "iss": "mon-compte-identity",
        "aud": [audience_of("mandates")],
        "token_use": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    header = {"alg": "Ed25519", "kid": "k1", "typ": "at+jwt"}
    return jwt.encode(header, claims, _KEY, algorithms=["Ed25519"])


def _api() -> FastAPI:
    router = APIRouter()
    principal = bearer_principal(TokenVerifier(_jwks, audience=audience_of("mandates")))

    @router.get("/v1/whoami")
    async def whoami(who: Annotated[Principal, Depends(principal)]) -> dict[str, str]:
        return {"subject": who.subject}

    @router.get("/v1/open")
    async def open_to_all() -> dict[str, str]:
        return {"status": "ok"}

    return create_http_app(
        service="test", title="test", description="t", routers=[router], checks=[]
    )


def _client(app: Any, base_url: str = "http://api.test") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def _references(html: str) -> list[str]:
    """Every URL the page makes the browser load: src, href, and the OpenAPI document."""
    urls = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""\burl:\s*["']([^"']+)["']""", html)
    return urls


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_names_no_other_host(page: str) -> None:
    async with _client(_api()) as client:
        resp = await client.get(page)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?:|(?<![:\w])//\w", resp.text), resp.text
    references = _references(resp.text)
    assert references
    for url in references:
        parts = urlsplit(url)
        assert not parts.scheme
        assert not parts.netloc
        assert not url.startswith("/"), f"{url} would miss a gateway's path prefix"


@pytest.mark.parametrize("page", PAGES)
async def test_everything_a_docs_page_loads_is_served_by_the_api(page: str) -> None:
    async with _client(_api()) as client:
        html = (await client.get(page)).text
        kinds = set()
        for url in _references(html):
            resp = await client.get(urljoin(f"http://api.test{page}", url))
            assert resp.status_code == 200, url
            assert resp.content, url
            kinds.add(resp.headers["content-type"].split(";")[0])
    assert {"application/json", "text/javascript"} <= kinds


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_works_behind_a_gateway_that_adds_a_path_prefix(page: str) -> None:
    gateway = Starlette(routes=[Mount("/identity", app=_api())])
    async with _client(gateway, "http://gateway.test") as client:
        resp = await client.get(f"/identity{page}")
        assert resp.status_code == 200
        for url in _references(resp.text):
            loaded = await client.get(urljoin(f"http://gateway.test/identity{page}", url))
            assert loaded.status_code == 200, url


async def test_the_swagger_page_asks_no_online_validator() -> None:
    async with _client(_api()) as client:
        html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html


async def test_the_openapi_declares_the_bearer_scheme_on_the_routes_that_need_a_token() -> None:
    async with _client(_api()) as client:
        doc = (await client.get("/openapi.json")).json()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Le jeton d'accès délivré par identity (`POST /v1/auth/token`).",
    }
    assert doc["paths"]["/v1/whoami"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/v1/open"]["get"]
    assert not {"/docs", "/redoc", "/docs/assets"} & set(doc["paths"])


_REQUIRED = {
    "type": "https://mon-compte.example/problems/unauthorized",
    "title": "Authentification requise",
    "status": 401,
    "detail": "Authentification requise.",
    "instance": "/v1/whoami",
}
_UNREADABLE = {**_REQUIRED, "detail": "Jeton d'accès illisible."}


@pytest.mark.parametrize(
    ("authorization", "problem"),
    [
        (None, _REQUIRED),
        ("", _REQUIRED),
        ("Basic dXNlcjpwYXNz", _REQUIRED),
        ("Bearer", _REQUIRED),
        ("Bearer ", _REQUIRED),
        (" Bearer abc", _REQUIRED),
        ("Bearer    ", _UNREADABLE),
        ("bearer not-a-jwt", _UNREADABLE),
    ],
)
async def test_a_missing_or_unreadable_token_gets_the_same_401_problem_as_before(
    authorization: str | None, problem: dict[str, object]
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    async with _client(_api()) as client:
        resp = await client.get("/v1/whoami", headers=headers)
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"] == "Bearer"
    assert resp.json() == problem


async def test_a_valid_token_still_gives_its_principal() -> None:
    async with _client(_api()) as client:
        resp = await client.get("/v1/whoami", headers={"authorization": f"Bearer {_token()}"})
    assert resp.status_code == 200
    assert resp.json() == {"subject": "acc-1"}
