"""A firm's users over HTTP: invitations valid 24 h, rights, suspension, removal, and the
events that tell the other users; who may do what."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.adapters.security import Argon2PasswordHasher
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.entrypoints.http import create_app
from identity.service_layer.ports import PasswordAlgorithm
from identity_fakes import PlainHasher
from journeys import random_siret, signup_body
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import select

PASSWORD = "Une phrase de passe solide"


@dataclass
class Firm:
    client: httpx.AsyncClient
    app: IdentityApp
    clock: FakeClock
    private_key: str
    cabinet_id: str = ""
    admin: dict[str, str] | None = None

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload)
                    .where(orm.outbox.c.event_type == event_type)
                    .order_by(orm.outbox.c.id)
                )
            ).scalars()
            return [json.loads(r) for r in rows]

    async def link_token(self, account_id: str) -> str:
        requests = await self.outbox("identity.account.activation_requested.v1")
        sealed = [r for r in requests if r["account_id"] == account_id][-1]["sealed_link"]
        return parse_qs(urlparse(unseal(self.private_key, sealed)).query)["token"][0]

    async def login(self, email: str) -> dict[str, str]:
        resp = await self.client.post(
            "/v1/auth/token", json={"username": email, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    async def sign_up(self, email: str) -> tuple[str, dict[str, str]]:
        body = signup_body(email, random_siret(random.Random(email)))
        created = (await self.client.post("/v1/cabinets", json=body)).json()
        token = await self.link_token(created["admin_account_id"])
        await self.client.post("/v1/accounts/activation", json={"token": token})
        return created["cabinet_id"], await self.login(email)

    async def invite(self, email: str, rights: list[str]) -> httpx.Response:
        assert self.admin is not None
        body = {"first_name": "Paul", "last_name": "Leroy", "email": email, "rights": rights}
        return await self.client.post(
            f"/v1/cabinets/{self.cabinet_id}/users", json=body, headers=self.admin
        )

    async def accept(self, account_id: str) -> httpx.Response:
        token = await self.link_token(account_id)
        return await self.client.post(
            "/v1/accounts/activation", json={"token": token, "password": PASSWORD}
        )


@pytest.fixture
async def firm(database_url: str) -> AsyncIterator[Firm]:
    async for result in _firm(database_url, PlainHasher()):
        yield result


class RecordingArgon2(Argon2PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return super().verify(password_hash, password)


@pytest.fixture
async def argon2_firm(database_url: str) -> AsyncIterator[Firm]:
    """With the real Argon2 hasher (cheap parameters), which refuses what is not a hash."""
    async for result in _firm(database_url, RecordingArgon2()):
        yield result


async def _firm(database_url: str, hasher: PasswordAlgorithm) -> AsyncIterator[Firm]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    clock = FakeClock()
    app = bootstrap(settings, hasher=hasher, clock=clock)
    api = create_app(app)
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            result = Firm(client, app, clock, private)
            result.cabinet_id, result.admin = await result.sign_up("claire@cabinet.fr")
            yield result


async def test_an_invited_collaborator_chooses_a_password_within_24_hours(firm: Firm) -> None:
    resp = await firm.invite("paul@cabinet.fr", ["read", "declare"])
    assert resp.status_code == 201, resp.text
    account_id = resp.json()["account_id"]
    [request] = [
        r
        for r in await firm.outbox("identity.account.activation_requested.v1")
        if r["account_id"] == account_id
    ]
    assert request["purpose"] == "collaborator_invitation"
    no_password = await firm.client.post(
        "/v1/accounts/activation", json={"token": await firm.link_token(account_id)}
    )
    assert no_password.status_code == 422
    assert (await firm.accept(account_id)).status_code == 200
    headers = await firm.login("paul@cabinet.fr")
    me = (await firm.client.get("/v1/me", headers=headers)).json()
    assert me["rights"] == ["declare", "read"]
    assert me["cabinet_id"] == firm.cabinet_id


async def test_an_invited_user_logging_in_before_accepting_gets_the_wrong_password_answer(
    argon2_firm: Firm,
) -> None:
    resp = await argon2_firm.invite("paul@cabinet.fr", ["read"])
    assert resp.status_code == 201, resp.text
    hasher = argon2_firm.app.password_work.algorithm
    assert isinstance(hasher, RecordingArgon2)
    hasher.verified.clear()
    early = await argon2_firm.client.post(
        "/v1/auth/token", json={"username": "paul@cabinet.fr", "password": PASSWORD}
    )
    wrong = await argon2_firm.client.post(
        "/v1/auth/token", json={"username": "claire@cabinet.fr", "password": PASSWORD + "x"}
    )
    assert early.status_code == wrong.status_code == 401, early.text
    assert early.json() == wrong.json()
    # the same work: a real Argon2 verification each time (the dummy hash for Paul)
    assert len(hasher.verified) == 2
    assert all(h.startswith("$argon2id$") for h in hasher.verified)


@pytest.mark.parametrize(
    "name", [{"first_name": "Paul\nLeroy"}, {"last_name": "\u2060"}, {"first_name": "\x00"}]
)
async def test_a_collaborator_name_with_control_or_invisible_characters_is_refused(
    firm: Firm, name: dict[str, str]
) -> None:
    body = {"first_name": "Paul", "last_name": "Leroy", "email": "p@cabinet.fr", "rights": ["read"]}
    resp = await firm.client.post(
        f"/v1/cabinets/{firm.cabinet_id}/users", json={**body, **name}, headers=firm.admin
    )
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == list(name)
    assert "caractère" in resp.json()["errors"][0]["message"]


async def test_an_invitation_dies_after_24_hours_and_a_new_one_works(firm: Firm) -> None:
    account_id = (await firm.invite("paul@cabinet.fr", ["read"])).json()["account_id"]
    firm.clock.advance(timedelta(hours=24))
    assert (await firm.accept(account_id)).status_code == 410
    firm.admin = await firm.login("claire@cabinet.fr")  # a day later: a fresh session
    renewed = await firm.client.post(
        f"/v1/cabinets/{firm.cabinet_id}/users/{account_id}/invitation", headers=firm.admin
    )
    assert renewed.status_code == 200
    assert (await firm.accept(account_id)).status_code == 200


async def test_each_change_is_published_for_the_other_users(firm: Firm) -> None:
    paul = (await firm.invite("paul@cabinet.fr", ["read"])).json()["account_id"]
    await firm.accept(paul)
    anne = (await firm.invite("anne@cabinet.fr", ["read"])).json()["account_id"]
    await firm.accept(anne)
    resp = await firm.client.put(
        f"/v1/cabinets/{firm.cabinet_id}/users/{paul}/rights",
        json={"rights": ["read", "pay"]},
        headers=firm.admin,
    )
    assert resp.json()["rights"] == ["pay", "read"]
    changes = await firm.outbox("identity.cabinet.user_changed.v1")
    assert [c["change"] for c in changes] == [
        "user_invited", "user_activated", "user_invited", "user_activated", "user_rights_changed",
    ]  # fmt: skip
    assert [n["email"] for n in changes[-1]["notify"]] == ["anne@cabinet.fr"]


async def test_an_accepted_invitation_tells_the_administrators(firm: Firm) -> None:
    paul = (await firm.invite("paul@cabinet.fr", ["read"])).json()["account_id"]
    assert (await firm.accept(paul)).status_code == 200
    accepted = (await firm.outbox("identity.cabinet.user_changed.v1"))[-1]
    assert accepted["account_id"] == paul
    assert accepted["change"] == "user_activated"
    assert accepted["invitation_accepted"] is True
    assert accepted["version"] == 2  # invited (1), then accepted
    assert [n["email"] for n in accepted["notify"]] == ["claire@cabinet.fr"]
    # a reactivation by an administrator is not an accepted invitation
    base = f"/v1/cabinets/{firm.cabinet_id}/users/{paul}"
    await firm.client.post(f"{base}/suspension", headers=firm.admin)
    await firm.client.post(f"{base}/reactivation", headers=firm.admin)
    reactivated = (await firm.outbox("identity.cabinet.user_changed.v1"))[-1]
    assert reactivated["change"] == "user_activated"
    assert reactivated["invitation_accepted"] is False


async def test_a_suspended_user_cannot_log_in_until_reactivated(firm: Firm) -> None:
    paul = (await firm.invite("paul@cabinet.fr", ["read"])).json()["account_id"]
    await firm.accept(paul)
    base = f"/v1/cabinets/{firm.cabinet_id}/users/{paul}"
    assert (await firm.client.post(f"{base}/suspension", headers=firm.admin)).status_code == 200
    login = await firm.client.post(
        "/v1/auth/token", json={"username": "paul@cabinet.fr", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert (await firm.client.post(f"{base}/reactivation", headers=firm.admin)).status_code == 200
    await firm.login("paul@cabinet.fr")
    assert (await firm.client.delete(base, headers=firm.admin)).json()["status"] == "removed"
    users = (
        await firm.client.get(f"/v1/cabinets/{firm.cabinet_id}/users", headers=firm.admin)
    ).json()
    assert [u["email"] for u in users] == ["claire@cabinet.fr"]


async def test_the_last_administrator_cannot_be_removed(firm: Firm) -> None:
    me = (await firm.client.get("/v1/me", headers=firm.admin)).json()
    resp = await firm.client.delete(
        f"/v1/cabinets/{firm.cabinet_id}/users/{me['subject']}", headers=firm.admin
    )
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("/last-administrator")


async def test_a_collaborator_without_admin_gets_403_and_another_firm_404(firm: Firm) -> None:
    paul = (await firm.invite("paul@cabinet.fr", ["read", "clients"])).json()["account_id"]
    await firm.accept(paul)
    headers = await firm.login("paul@cabinet.fr")
    mine = await firm.client.get(f"/v1/cabinets/{firm.cabinet_id}/users", headers=headers)
    assert mine.status_code == 403
    assert "admin" in mine.json()["detail"]
    other_cabinet, _ = await firm.sign_up("zoe@autre-cabinet.fr")
    theirs = await firm.client.get(f"/v1/cabinets/{other_cabinet}/users", headers=firm.admin)
    assert theirs.status_code == 404


async def _second_administrator(firm: Firm) -> tuple[str, dict[str, str]]:
    paul = (await firm.invite("paul@cabinet.fr", ["admin"])).json()["account_id"]
    assert (await firm.accept(paul)).status_code == 200
    return paul, await firm.login("paul@cabinet.fr")


async def test_a_just_suspended_administrator_cannot_act_with_the_token_it_still_holds(
    firm: Firm,
) -> None:
    paul, paul_token = await _second_administrator(firm)
    me = (await firm.client.get("/v1/me", headers=firm.admin)).json()["subject"]
    users = f"/v1/cabinets/{firm.cabinet_id}/users"
    assert (await firm.client.post(f"{users}/{me}/suspension", headers=paul_token)).is_success
    # Claire's access token is still valid for a few minutes and still says « admin »
    for attempt in (
        firm.client.post(f"{users}/{me}/reactivation", headers=firm.admin),
        firm.client.post(f"{users}/{paul}/suspension", headers=firm.admin),
        firm.client.put(f"{users}/{paul}/rights", json={"rights": ["read"]}, headers=firm.admin),
        firm.client.delete(f"{users}/{paul}", headers=firm.admin),
        firm.client.get(users, headers=firm.admin),
        firm.invite("mallory@cabinet.fr", ["admin"]),
    ):
        resp = await attempt
        assert resp.status_code == 403, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["type"].endswith("/acting-user-not-active")
        assert "suspendu" in resp.json()["detail"]
    listed = {u["account_id"]: u for u in (await firm.client.get(users, headers=paul_token)).json()}
    assert listed[me]["status"] == "suspended"
    assert listed[paul]["rights"] == ["admin"]
    assert "mallory@cabinet.fr" not in [u["email"] for u in listed.values()]


async def test_an_administrator_whose_admin_right_was_withdrawn_cannot_act_any_more(
    firm: Firm,
) -> None:
    paul, paul_token = await _second_administrator(firm)
    me = (await firm.client.get("/v1/me", headers=firm.admin)).json()["subject"]
    users = f"/v1/cabinets/{firm.cabinet_id}/users"
    withdrawn = await firm.client.put(
        f"{users}/{me}/rights", json={"rights": ["read"]}, headers=paul_token
    )
    assert withdrawn.status_code == 200, withdrawn.text
    resp = await firm.client.put(
        f"{users}/{me}/rights", json={"rights": ["admin"]}, headers=firm.admin
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["type"].endswith("/right-missing")
    assert "admin" in resp.json()["detail"]
    listed = {u["account_id"]: u for u in (await firm.client.get(users, headers=paul_token)).json()}
    assert listed[me]["rights"] == ["read"]
    assert paul in listed
