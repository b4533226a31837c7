"""Assurés over HTTP on a real database: the known-fact check, activation, login with the
NIR body, renewal of the link; bad input gets its problem and writes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
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
from identity_registry_samples import NIR, incoming, record
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import func, select
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
SIGNUP: dict[str, Any] = {
    "nir": NIR,
    "birth_date": "1985-05-01",
    "birth_name": "DUPONT",
    "email": "jean.dupont@example.fr",
    "password": PASSWORD,
}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: IdentityApp
    private_key: str
    clock: FakeClock
    hasher: CountingHasher

    async def count(self, table: Any) -> int:
        async with self.app.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def tokens_mailed(self, account_id: str) -> list[str]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.payload).where(
                        orm.outbox.c.event_type == "identity.account.activation_requested.v1"
                    )
                )
            ).scalars()
            links = [
                unseal(self.private_key, json.loads(p)["sealed_link"])
                for p in rows
                if json.loads(p)["account_id"] == account_id
            ]
        return [parse_qs(urlparse(link).query)["token"][0] for link in links]


class CountingHasher(PlainHasher):
    """Counts the hashes made: a sign-up with wrong facts must not spend one."""

    def __init__(self) -> None:
        self.hashed = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return super().hash(password)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url, notifications_public_key=public, nir_key=NirVault.generate_key()
    )
    clock = FakeClock()
    hasher = CountingHasher()
    app = bootstrap(settings, hasher=hasher, clock=clock)
    fastapi_app = create_app(app)
    async with LifespanManager(fastapi_app):
        await app.on_registry_record(incoming(record(), "registry-1"))
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            hasher.hashed = 0
            yield Api(client, app, private, clock, hasher)


async def test_an_assure_signs_up_activates_and_logs_in_with_the_nir_body(api: Api) -> None:
    resp = await api.client.post("/v1/assures", json=SIGNUP)
    assert resp.status_code == 201, resp.text
    [token] = await api.tokens_mailed(resp.json()["account_id"])
    assert (
        await api.client.post("/v1/accounts/activation", json={"token": token})
    ).status_code == 200
    login = await api.client.post(
        "/v1/auth/token", json={"username": NIR[:13], "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    me = await api.client.get(
        "/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["actor"] == "assure"
    assert me.json()["affiliate_id"] is not None
    by_email = await api.client.post(
        "/v1/auth/token", json={"username": SIGNUP["email"], "password": PASSWORD}
    )
    assert by_email.status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "kind"),
    [
        ({"birth_date": "1985-05-02"}, 422, "known-facts-mismatch"),
        ({"birth_name": "Durand"}, 422, "known-facts-mismatch"),
        ({"nir": "2850578006084" + "95"}, 422, "validation-error"),
        ({"nir": "185057800608400"}, 422, "validation-error"),
        ({"password": "court"}, 422, "validation-error"),
        ({"email": "pas une adresse"}, 422, "validation-error"),
        ({"birth_name": "DUPONT\r\n"}, 422, "validation-error"),
        ({"birth_name": "\u200b\u200b"}, 422, "validation-error"),
    ],
)
async def test_bad_facts_get_one_answer_and_write_nothing(
    api: Api, change: dict[str, Any], status: int, kind: str
) -> None:
    resp = await api.client.post("/v1/assures", json={**SIGNUP, **change})
    assert resp.status_code == status
    assert resp.json()["type"].endswith("/" + kind)
    assert await api.count(orm.accounts) == 0


async def test_the_birth_date_may_be_typed_in_the_french_form(api: Api) -> None:
    resp = await api.client.post("/v1/assures", json={**SIGNUP, "birth_date": "01/05/1985"})
    assert resp.status_code == 201, resp.text
    bad = await api.client.post("/v1/assures", json={**SIGNUP, "birth_date": "1er mai 1985"})
    assert bad.status_code == 422
    assert "JJ/MM/AAAA" in bad.json()["errors"][0]["message"]


async def test_guessing_the_birth_date_of_a_nir_stops_after_a_few_tries(api: Api) -> None:
    """Five failed attempts on one NIR in a day, then even the right facts get the mismatch
    answer, so the birth date cannot be found by trying (whatever the sources)."""
    answers = []
    for day in range(1, 6):
        guess = {**SIGNUP, "birth_date": f"1985-05-{day + 1:02d}"}
        answers.append(await api.client.post("/v1/assures", json=guess))
    right = await api.client.post("/v1/assures", json=SIGNUP)
    assert {r.status_code for r in [*answers, right]} == {422}
    assert len({r.text for r in [*answers, right]}) == 1
    assert await api.count(orm.accounts) == 0
    api.clock.advance(timedelta(hours=24))
    assert (await api.client.post("/v1/assures", json=SIGNUP)).status_code == 201


async def test_an_unknown_nir_gets_the_same_answer_as_a_wrong_date(api: Api) -> None:
    from stdnum.fr import nir

    other = "2900175123456" + nir.calc_check_digits("2900175123456")
    unknown = await api.client.post("/v1/assures", json={**SIGNUP, "nir": other})
    wrong_date = await api.client.post("/v1/assures", json={**SIGNUP, "birth_date": "1990-01-01"})
    assert unknown.json()["detail"] == wrong_date.json()["detail"]
    assert unknown.status_code == wrong_date.status_code == 422


async def test_a_second_account_for_the_same_assure_is_refused(api: Api) -> None:
    assert (await api.client.post("/v1/assures", json=SIGNUP)).status_code == 201
    again = await api.client.post("/v1/assures", json={**SIGNUP, "email": "autre@example.fr"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/account-already-exists")


async def test_a_new_link_can_be_requested_and_the_answer_never_tells(api: Api) -> None:
    created = (await api.client.post("/v1/assures", json=SIGNUP)).json()
    known = await api.client.post(
        "/v1/accounts/activation/renewal", json={"email": SIGNUP["email"]}
    )
    unknown = await api.client.post(
        "/v1/accounts/activation/renewal", json={"email": "personne@example.fr"}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(await api.tokens_mailed(created["account_id"])) == 2


@pytest.mark.parametrize(
    "wrong",
    [
        {"birth_date": "1985-05-02"},
        {"birth_name": "Durand"},
        {"nir": "2900175123456" + stdnum_nir.calc_check_digits("2900175123456")},
    ],
)
async def test_a_sign_up_with_wrong_facts_spends_no_password_hash(
    api: Api, wrong: dict[str, str]
) -> None:
    for _ in range(3):
        resp = await api.client.post("/v1/assures", json={**SIGNUP, **wrong})
        assert resp.status_code == 422, resp.text
        assert resp.json()["type"].endswith("/known-facts-mismatch")
    assert api.hasher.hashed == 0
    assert (await api.client.post("/v1/assures", json=SIGNUP)).status_code == 201
    assert api.hasher.hashed == 1
