"""identity's HTTP API on a real database (SQLite and PostgreSQL): sign-up, activation, and
bad input that gets a problem document with nothing written."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import func, select

SIGNUP: dict[str, Any] = {
    "raison_sociale": "Cabinet Martin Expertise",
    "siret": "73282932000074",
    "address": "12 rue de la Paix, 75002 Paris",
    "admin_first_name": "Claire",
    "admin_last_name": "Martin",
    "email": "claire.martin@cabinet-martin.fr",
    "password": "Une phrase de passe solide",
}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: IdentityApp
    private_key: str

    async def count(self, table: Any) -> int:
        async with self.app.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def activation_token(self, account_id: str) -> str:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload).where(
                        orm.outbox.c.event_type == "identity.account.activation_requested.v1"
                    )
                )
            ).scalars()
            for payload in rows:
                data = json.loads(payload)
                if data["account_id"] == account_id:
                    link = unseal(self.private_key, data["sealed_link"])
                    return parse_qs(urlparse(link).query)["token"][0]
        raise AssertionError("no activation request in the outbox")


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    app = bootstrap(settings, hasher=PlainHasher())
    fastapi_app = create_app(app)
    async with LifespanManager(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            yield Api(client, app, private)


async def test_a_firm_signs_up_and_activates_its_administrator_with_the_mailed_token(
    api: Api,
) -> None:
    resp = await api.client.post("/v1/cabinets", json=SIGNUP)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "pending"
    assert await api.count(orm.outbox) == 3
    token = await api.activation_token(body["admin_account_id"])
    activated = await api.client.post("/v1/accounts/activation", json={"token": token})
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    again = await api.client.post("/v1/accounts/activation", json={"token": token})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/activation-link-used")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"siret": "73282932000075"}, 422, "siret"),
        ({"siret": "123"}, 422, "siret"),
        ({"siret": "00000000000000"}, 422, "siret"),  # the Luhn key passes, no business has it
        ({"email": "a" * 65 + "@cabinet.fr"}, 422, "email"),  # local part over 64 characters
        ({"email": "pas-une-adresse"}, 422, "email"),
        ({"password": "court"}, 422, "password"),
        ({"password": "motdepasse123"}, 422, "password"),
        ({"raison_sociale": "   "}, 422, "raison_sociale"),
        ({"raison_sociale": None}, 422, "raison_sociale"),
        ({"raison_sociale": "Cabinet Martin\r\nBcc: tous@exemple.fr"}, 422, "raison_sociale"),
        ({"raison_sociale": "Cabinet\x00Martin"}, 422, "raison_sociale"),
        ({"raison_sociale": "Cabinet\x1bMartin"}, 422, "raison_sociale"),
        ({"raison_sociale": "\u200b\u200c\u2060"}, 422, "raison_sociale"),
        ({"admin_first_name": "\u3164"}, 422, "admin_first_name"),
        ({"admin_last_name": "Martin\n"}, 422, "admin_last_name"),
        ({"unexpected": "x"}, 422, "unexpected"),
    ],
)
async def test_bad_signup_input_gets_a_problem_naming_the_field_and_writes_nothing(
    api: Api, change: dict[str, Any], status: int, field: str
) -> None:
    body = {**SIGNUP, **change}
    resp = await api.client.post("/v1/cabinets", json=body)
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert field in {e["field"] for e in problem["errors"]}
    assert await api.count(orm.cabinets) == 0
    assert await api.count(orm.outbox) == 0


async def test_an_over_long_local_part_is_refused_in_french(api: Api) -> None:
    resp = await api.client.post("/v1/cabinets", json={**SIGNUP, "email": "a" * 65 + "@c.fr"})
    assert resp.status_code == 422
    [error] = [e for e in resp.json()["errors"] if e["field"] == "email"]
    assert "64 caractères" in error["message"]
    fits = await api.client.post("/v1/cabinets", json={**SIGNUP, "email": "a" * 64 + "@c.fr"})
    assert fits.status_code == 201, fits.text


async def test_a_name_with_a_line_break_is_refused_in_french(api: Api) -> None:
    resp = await api.client.post("/v1/cabinets", json={**SIGNUP, "raison_sociale": "A\nB"})
    assert resp.status_code == 422
    [error] = [e for e in resp.json()["errors"] if e["field"] == "raison_sociale"]
    assert "caractère de contrôle" in error["message"]
    accented = await api.client.post(
        "/v1/cabinets", json={**SIGNUP, "raison_sociale": "Cabinet Lefèvre & Fils-Noël"}
    )
    assert accented.status_code == 201, accented.text


async def test_a_missing_field_is_named(api: Api) -> None:
    body = {k: v for k, v in SIGNUP.items() if k != "admin_last_name"}
    resp = await api.client.post("/v1/cabinets", json=body)
    assert resp.status_code == 422
    assert {
        "field": "admin_last_name",
        "code": "missing",
        "message": "Ce champ est obligatoire.",
    } in resp.json()["errors"]


async def test_an_email_already_used_gets_the_same_answer_as_a_new_one(api: Api) -> None:
    first = await api.client.post("/v1/cabinets", json=SIGNUP)
    assert first.status_code == 201
    other = {**SIGNUP, "siret": "44306184100047", "email": SIGNUP["email"].upper()}
    resp = await api.client.post("/v1/cabinets", json=other)
    assert resp.status_code == 201, resp.text
    assert resp.json().keys() == first.json().keys()
    assert resp.headers["content-type"] == first.headers["content-type"]
    assert await api.count(orm.cabinets) == 1
    async with api.app.engine.connect() as conn:
        types = (await conn.execute(select(orm.outbox.c.event_type))).scalars().all()
    assert types[3:] == ["identity.account.registration_attempted.v1"]


async def test_an_oversized_body_gets_413(api: Api) -> None:
    body = {**SIGNUP, "address": "x" * 2_000_000}
    resp = await api.client.post("/v1/cabinets", json=body)
    assert resp.status_code == 413
    assert await api.count(orm.cabinets) == 0


async def test_an_unknown_activation_token_gets_404(api: Api) -> None:
    resp = await api.client.post("/v1/accounts/activation", json={"token": "x" * 43})
    assert resp.status_code == 404
    assert resp.json()["type"].endswith("/activation-link-invalid")


async def test_the_api_is_ready_when_its_database_answers(api: Api) -> None:
    resp = await api.client.get("/health/ready")
    assert resp.json()["checks"] == {"database": "ok"}
