import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field
from servicekit.http import create_http_app
from servicekit.problems import Conflict, NotFound, RateLimited, Unavailable


class Body(BaseModel):
    name: str = Field(min_length=2)
    age: int


def _app() -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @router.get("/missing")
    async def missing() -> None:
        raise NotFound("Aucune chose de ce nom.", kind="thing-not-found")

    @router.get("/conflict")
    async def conflict() -> None:
        raise Conflict("Déjà là.")

    @router.get("/slow-down")
    async def slow_down() -> None:
        raise RateLimited(30)

    @router.get("/down")
    async def down() -> None:
        raise Unavailable("La base est indisponible.", retry_after_s=7)

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    app = create_http_app(
        service="test",
        title="t",
        description="t",
        routers=[router],
        checks=[],
        max_body_bytes=200,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_missing_field_gets_a_422_problem_naming_the_field_in_french() -> None:
    async with _app() as client:
        resp = await client.post("/things", json={"name": "x"})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    doc = resp.json()
    assert doc["type"].endswith("/validation-error")
    fields = {e["field"]: e["message"] for e in doc["errors"]}
    assert fields["age"] == "Ce champ est obligatoire."
    assert fields["name"] == "Ce champ est trop court."


async def test_an_oversized_body_gets_a_413_problem() -> None:
    async with _app() as client:
        resp = await client.post("/things", content=b'{"name": "' + b"x" * 500 + b'"}')
    assert resp.status_code == 413
    assert resp.json()["type"].endswith("/payload-too-large")


@pytest.mark.parametrize(
    ("path", "status", "kind", "header"),
    [
        ("/missing", 404, "thing-not-found", None),
        ("/conflict", 409, "conflict", None),
        ("/slow-down", 429, "rate-limited", ("retry-after", "30")),
        ("/down", 503, "unavailable", ("retry-after", "7")),
        ("/nowhere", 404, "not-found", None),
    ],
)
async def test_errors_are_problem_documents_with_their_status(
    path: str, status: int, kind: str, header: tuple[str, str] | None
) -> None:
    async with _app() as client:
        resp = await client.get(path)
    assert resp.status_code == status
    assert resp.json()["type"].endswith("/" + kind)
    if header:
        assert resp.headers[header[0]] == header[1]


async def test_an_unexpected_error_is_a_500_problem_without_its_detail() -> None:
    async with _app() as client:
        resp = await client.get("/boom")
    assert resp.status_code == 500
    assert "secret detail" not in resp.text
    assert resp.json()["type"].endswith("/internal-error")


async def test_health_live_answers() -> None:
    async with _app() as client:
        resp = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert resp.json() == {"status": "ok"}
    assert ready.status_code == 200
