"""« Mes données personnelles » over HTTP: read, mobile and address, consent, deactivation,
téléservices; who may call it."""

from __future__ import annotations

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
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from identity_registry_samples import NIR, incoming, record
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import select

PASSWORD = "Une phrase de passe solide"


@dataclass
class Session:
    client: httpx.AsyncClient
    app: IdentityApp
    headers: dict[str, str]

    async def affiliate_events(self) -> list[dict[str, Any]]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload)
                    .where(orm.outbox.c.event_type.like("identity.affiliate.%"))
                    .order_by(orm.outbox.c.id)
                )
            ).scalars()
            return [json.loads(r) for r in rows]


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[Session]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    app = bootstrap(settings, hasher=PlainHasher())
    api = create_app(app)
    async with LifespanManager(api):
        await app.on_registry_record(incoming(record(), "registry-1"))
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            body = {"nir": NIR, "birth_date": "1985-05-01", "birth_name": "Dupont",
                    "email": "jean@dupont.fr", "password": PASSWORD}  # fmt: skip
            assert (await client.post("/v1/assures", json=body)).status_code == 201
            async with app.engine.connect() as conn:
                payload = (
                    await conn.execute(
                        select(orm.outbox.c.payload).where(
                            orm.outbox.c.event_type == "identity.account.activation_requested.v1"
                        )
                    )
                ).scalar_one()
            link = unseal(private, json.loads(payload)["sealed_link"])
            token = parse_qs(urlparse(link).query)["token"][0]
            await client.post("/v1/accounts/activation", json={"token": token})
            login = await client.post(
                "/v1/auth/token", json={"username": "jean@dupont.fr", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            yield Session(client, app, headers)


async def test_an_assure_reads_their_registry_data(session: Session) -> None:
    resp = await session.client.get("/v1/me/donnees-personnelles", headers=session.headers)
    assert resp.status_code == 200
    data = resp.json()
    assert (data["birth_name"], data["first_names"], data["email"]) == (
        "Dupont",
        "Jean",
        "jean@dupont.fr",
    )
    assert data["third_party_registration_allowed"] is True
    assert "nir" not in data


@pytest.mark.parametrize("mobile", ["+44 7911 123456", "01 23 45 67 89", "06 12"])
async def test_a_foreign_fixed_or_short_number_is_refused(session: Session, mobile: str) -> None:
    resp = await session.client.patch(
        "/v1/me/donnees-personnelles", json={"mobile": mobile}, headers=session.headers
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "mobile"
    assert len(await session.affiliate_events()) == 1


async def test_a_new_mobile_and_address_are_kept_and_published(session: Session) -> None:
    resp = await session.client.patch(
        "/v1/me/donnees-personnelles",
        json={
            "mobile": "06 12 34 56 78",
            "address": {"lines": ["3 cours Napoléon"], "postal_code": "20000", "city": "Ajaccio"},
        },
        headers=session.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["mobile"] == "+33612345678"
    assert resp.json()["departement"] == "2A"
    updated = (await session.affiliate_events())[-1]
    assert updated["address"]["city"] == "Ajaccio"
    assert updated["departement"] == "2A"


async def test_the_consent_switch_is_published_for_mandates(session: Session) -> None:
    resp = await session.client.put(
        "/v1/me/consentement-tiers-declarant", json={"allowed": False}, headers=session.headers
    )
    assert resp.json()["third_party_registration_allowed"] is False
    assert (await session.affiliate_events())[-1]["third_party_registration_allowed"] is False


async def test_an_artisan_sees_five_teleservices_with_sante_as_a_link_out(session: Session) -> None:
    services = (await session.client.get("/v1/me/teleservices", headers=session.headers)).json()
    assert [s["code"] for s in services] == [
        "donnees_personnelles", "cotisations", "releve_de_carriere", "sante", "attestations"
    ]  # fmt: skip
    assert [s["link_out"] is not None for s in services] == [False, False, False, True, False]


async def test_a_deactivated_account_can_no_longer_log_in(session: Session) -> None:
    assert (
        await session.client.post("/v1/me/desactivation", headers=session.headers)
    ).status_code == 200
    login = await session.client.post(
        "/v1/auth/token", json={"username": "jean@dupont.fr", "password": PASSWORD}
    )
    assert login.status_code == 401


async def test_an_agent_does_not_reach_an_assures_personal_data_route(session: Session) -> None:
    await session.app.auth_bus.handle(commands.CreateAgent("a@urssaf.example", "Agent", PASSWORD))
    login = await session.client.post(
        "/v1/auth/token", json={"username": "a@urssaf.example", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (
        await session.client.get("/v1/me/donnees-personnelles", headers=headers)
    ).status_code == 403
    assert (await session.client.get("/v1/me/donnees-personnelles")).status_code == 401
