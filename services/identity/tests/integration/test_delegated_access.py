"""Who may read an affilié's données personnelles: the assuré, an agent, and a firm's users
only through an active mandate and portfolio access — fed by the contracts' example events of
mandates, on a real database. Every actor kind gets its exact status."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from contracts.base import EventPayload
from contracts.envelope import Envelope
from contracts.mandates import v1 as mandates_v1
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from identity_registry_samples import NIR, incoming, record
from journeys import random_siret, signup_body
from servicekit.messaging import IncomingEvent
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import select
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
NOW = datetime.now(UTC)
NIR_LIBERAL = "2790375120024" + stdnum_nir.calc_check_digits("2790375120024")


@dataclass
class World:
    client: httpx.AsyncClient
    app: IdentityApp
    private_key: str
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    async def link(self, account_id: str) -> str:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload).where(
                        orm.outbox.c.event_type == "identity.account.activation_requested.v1"
                    )
                )
            ).scalars()
            sealed = [json.loads(r) for r in rows if json.loads(r)["account_id"] == account_id]
        url = unseal(self.private_key, sealed[-1]["sealed_link"])
        return parse_qs(urlparse(url).query)["token"][0]

    async def login(self, name: str, email: str) -> None:
        resp = await self.client.post(
            "/v1/auth/token", json={"username": email, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        self.tokens[name] = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        self.ids[name] = resp.json()["account_id"]

    async def event(self, payload: EventPayload) -> None:
        await self.app.on_access_event(
            IncomingEvent(
                Envelope(
                    id=str(uuid.uuid4()),
                    type=payload.event_type,
                    source="mandates",
                    time=datetime.now(UTC),
                    subject="s",
                ),
                payload.model_dump(mode="json"),
                payload.topic,
                0,
                0,
            )
        )

    async def status(self, who: str | None, affiliate_id: str) -> int:
        headers = self.tokens[who] if who else {}
        resp = await self.client.get(
            f"/v1/affiliates/{affiliate_id}/donnees-personnelles", headers=headers
        )
        return resp.status_code


async def _firm(w: World, name: str, email: str) -> str:
    body = signup_body(email, random_siret(random.Random(email)))
    created = (await w.client.post("/v1/cabinets", json=body)).json()
    await w.client.post(
        "/v1/accounts/activation", json={"token": await w.link(created["admin_account_id"])}
    )
    await w.login(name, email)
    return str(created["cabinet_id"])


async def _collaborator(
    w: World, cabinet_id: str, admin: str, name: str, rights: list[str]
) -> None:
    email = f"{name}@cabinet.fr"
    resp = await w.client.post(
        f"/v1/cabinets/{cabinet_id}/users",
        json={"first_name": name, "last_name": "X", "email": email, "rights": rights},
        headers=w.tokens[admin],
    )
    account_id = resp.json()["account_id"]
    await w.client.post(
        "/v1/accounts/activation", json={"token": await w.link(account_id), "password": PASSWORD}
    )
    await w.login(name, email)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    app = bootstrap(settings, hasher=PlainHasher())
    api = create_app(app)
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            w = World(client, app, private)
            await app.on_registry_record(incoming(record(), "reg-1"))
            body = {
                "nir": NIR,
                "birth_date": "1985-05-01",
                "birth_name": "Dupont",
                "email": "jean@dupont.fr",
                "password": PASSWORD,
            }
            created = (await client.post("/v1/assures", json=body)).json()
            await client.post(
                "/v1/accounts/activation", json={"token": await w.link(created["account_id"])}
            )
            await w.login("assure", "jean@dupont.fr")
            me = (await client.get("/v1/me", headers=w.tokens["assure"])).json()
            w.ids["affiliate"] = me["affiliate_id"]
            await app.auth_bus.handle(
                commands.CreateAgent("agent@urssaf.example", "Agent", PASSWORD)
            )
            await w.login("agent", "agent@urssaf.example")
            w.ids["f1"] = await _firm(w, "admin1", "claire@cabinet-un.fr")
            w.ids["f2"] = await _firm(w, "admin2", "zoe@cabinet-deux.fr")
            await _collaborator(w, w.ids["f1"], "admin1", "paul", ["read"])
            await _collaborator(w, w.ids["f1"], "admin1", "pierre", ["declare"])
            yield w


def _activated(w: World) -> mandates_v1.MandateActivatedV1:
    return mandates_v1.MandateActivatedV1(
        mandate_id="m-1",
        affiliate_id=w.ids["affiliate"],
        cabinet_id=w.ids["f1"],
        cabinet_name="Cabinet Un",
        client_name="Jean Dupont",
        activated_at=NOW,
        portfolio_id="p-1",
    )


def _subscribed(w: World, who: str) -> mandates_v1.PortfolioSubscriberAddedV1:
    return mandates_v1.PortfolioSubscriberAddedV1(
        cabinet_id=w.ids["f1"],
        cabinet_name="Cabinet Un",
        portfolio_id="p-1",
        portfolio_name="Cabinet Un",
        occurred_at=NOW,
        subscriber_account_id=w.ids[who],
        subscriber_name=who,
    )


async def test_without_a_mandate_only_the_assure_and_agents_read(world: World) -> None:
    a = world.ids["affiliate"]
    assert {
        who: await world.status(who, a)
        for who in (None, "assure", "agent", "admin1", "paul", "pierre", "admin2")
    } == {
        None: 401,
        "assure": 200,
        "agent": 200,
        "admin1": 404,
        "paul": 404,
        "pierre": 404,
        "admin2": 404,
    }


async def test_a_mandate_opens_the_firm_to_its_admins_and_its_subscribers_with_the_right(
    world: World,
) -> None:
    a = world.ids["affiliate"]
    await world.event(_activated(world))
    await world.event(_subscribed(world, "paul"))
    statuses = {who: await world.status(who, a) for who in ("admin1", "paul", "pierre", "admin2")}
    assert statuses == {"admin1": 200, "paul": 200, "pierre": 404, "admin2": 404}
    await world.event(_subscribed(world, "pierre"))
    assert await world.status("pierre", a) == 403


async def test_a_firm_sees_no_more_than_its_client_could(world: World) -> None:
    """A profession libérale does not open « Mes données personnelles »: its firm neither."""
    liberal = record(siren="552100554", sirets=[], nir=NIR_LIBERAL, category="profession_liberale")
    await world.app.on_registry_record(incoming(liberal, "reg-liberal"))
    async with world.app.new_uow(read_only=True) as uow:
        found = await uow.affiliates.by_siren("552100554")
    assert found is not None
    mandate = _activated(world).model_copy(
        update={"mandate_id": "m-liberal", "affiliate_id": found.id}
    )
    await world.event(mandate)
    resp = await world.client.get(
        f"/v1/affiliates/{found.id}/donnees-personnelles", headers=world.tokens["admin1"]
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["type"].endswith("/teleservice-not-open")
    assert await world.status("agent", found.id) == 200


async def test_unsubscribing_ending_the_mandate_or_suspending_closes_access(world: World) -> None:
    a = world.ids["affiliate"]
    await world.event(_activated(world))
    await world.event(_subscribed(world, "paul"))
    await world.event(
        mandates_v1.PortfolioSubscriberRemovedV1(**{**_subscribed(world, "paul").model_dump()})
    )
    assert await world.status("paul", a) == 404
    await world.event(_subscribed(world, "paul"))
    await world.client.post(
        f"/v1/cabinets/{world.ids['f1']}/users/{world.ids['paul']}/suspension",
        headers=world.tokens["admin1"],
    )
    assert await world.status("paul", a) == 404
    await world.event(
        mandates_v1.MandateEndedV1(
            mandate_id="m-1",
            affiliate_id=a,
            cabinet_id=world.ids["f1"],
            cabinet_name="Cabinet Un",
            client_name="Jean Dupont",
            ended_by="client",
            ended_at=NOW,
        )
    )
    assert await world.status("admin1", a) == 404
    assert await world.status("assure", a) == 200


async def test_a_replayed_event_changes_nothing(world: World) -> None:
    event = _activated(world)
    envelope = Envelope(id="same", type=event.event_type, source="mandates", time=NOW, subject="s")
    for _ in range(2):
        await world.app.on_access_event(
            IncomingEvent(envelope, event.model_dump(mode="json"), event.topic, 0, 0)
        )
    async with world.app.engine.connect() as conn:
        rows = (await conn.execute(select(orm.access.mandates))).all()
    assert len(rows) == 1
