from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Literal

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field
from servicekit.french import TypedDate
from servicekit.http import create_http_app
from servicekit.problems import Conflict, NotFound, RateLimited, Unavailable


class Body(BaseModel):
    name: str = Field(min_length=2)
    age: int


class Typed(BaseModel):
    amount: Decimal = Field(decimal_places=2)
    born: TypedDate
    on: date | None = None
    kind: Literal["artisan", "commercant"] = "artisan"


def _app() -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @router.post("/typed")
    async def typed(body: Typed) -> dict[str, str]:
        return {"born": body.born.isoformat()}

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
    assert fields["name"] == "Ce champ est trop court (au moins 2 caractères)."


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


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"amount": "abc", "born": "1979-03-14"},
            "amount",
            "Ce champ doit être un montant (par exemple 1234.56).",
        ),
        (
            {"amount": "1.234", "born": "1979-03-14"},
            "amount",
            "Ce montant a trop de décimales (au plus 2).",
        ),
        (
            {"amount": "1", "born": "14/13/1979"},
            "born",
            "Ce champ doit être une date valide (AAAA-MM-JJ ou JJ/MM/AAAA).",
        ),
        (
            {"amount": "1", "born": "1979-03-14", "on": "demain"},
            "on",
            "Ce champ doit être une date (AAAA-MM-JJ ou JJ/MM/AAAA).",
        ),
        (
            {"amount": "1", "born": "1979-03-14", "kind": "boulanger"},
            "kind",
            "Ce champ doit valoir l'une des valeurs : 'artisan' ou 'commercant'.",
        ),
    ],
)
async def test_every_refused_field_is_explained_in_french(
    body: dict[str, str], field: str, message: str
) -> None:
    async with _app() as client:
        resp = await client.post("/typed", json=body)
    assert resp.status_code == 422, resp.text
    fields = {e["field"]: e["message"] for e in resp.json()["errors"]}
    assert fields[field] == message
    assert all(not m.startswith(("Input", "Value", "Field")) for m in fields.values())


async def test_a_date_typed_the_french_way_is_understood() -> None:
    async with _app() as client:
        resp = await client.post("/typed", json={"amount": "1.50", "born": "14/03/1979"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"born": "1979-03-14"}


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 64):
        yield data[start : start + 64]


async def test_a_chunked_body_over_the_limit_gets_a_413_in_french() -> None:
    body = b'{"name": "' + b"x" * 500 + b'", "age": 3}'
    async with _app() as client:
        resp = await client.post(
            "/things", content=_chunks(body), headers={"content-type": "application/json"}
        )
    assert resp.status_code == 413
    assert resp.json()["type"].endswith("/payload-too-large")
    assert "dépasse la taille maximale" in resp.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [b'{"name": "\xff\xfe", "age": 3}', b'{"name": "\\ud800x", "age": 3}'],
    ids=["invalid UTF-8", "a lone surrogate"],
)
async def test_an_unreadable_body_is_refused_in_french(raw: bytes) -> None:
    async with _app() as client:
        resp = await client.post(
            "/things", content=raw, headers={"content-type": "application/json"}
        )
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert "error parsing" not in detail
    assert "Input should" not in detail
    assert any(word in detail for word in ("illisible", "caractères", "JSON")), detail


def test_lengths_are_said_as_french_grammar_wants() -> None:
    from pydantic import ValidationError
    from servicekit.problems import field_errors

    class Lengths(BaseModel):
        key: str = Field(min_length=1)
        code: str = Field(max_length=1)
        rights: list[str] = Field(min_length=1)
        words: list[str] = Field(max_length=3)

    with pytest.raises(ValidationError) as caught:
        Lengths(key="", code="ab", rights=[], words=["a", "b", "c", "d"])
    messages = {e["field"]: e["message"] for e in field_errors(caught.value.errors())}
    assert messages == {
        "key": "Ce champ ne peut pas être vide.",
        "code": "Ce champ est trop long (au plus 1 caractère).",
        "rights": "Ce champ doit contenir au moins 1 élément.",
        "words": "Ce champ doit contenir au plus 3 éléments.",
    }


def test_a_malformed_email_address_is_said_in_french() -> None:
    from pydantic import EmailStr, ValidationError
    from servicekit.problems import field_errors

    class Address(BaseModel):
        email: EmailStr

    with pytest.raises(ValidationError) as caught:
        Address(email="jean.dupont@")
    (error,) = field_errors(caught.value.errors())
    assert error["field"] == "email"
    assert error["message"] == (
        "Cette adresse électronique n'est pas valide (exemple : nom@domaine.fr)."
    )
