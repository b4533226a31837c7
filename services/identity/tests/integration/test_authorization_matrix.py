"""Every identity endpoint that needs a caller × every kind of caller, with the exact status:
anonymous, an assuré of each category, a firm's administrator, collaborators with and without
each right, another firm's administrator, an agent."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from identity.adapters import orm
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from identity_registry_samples import incoming, record
from journeys import luhn_complete, random_siret, signup_body
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from sqlalchemy import select
from stdnum.fr import nir as stdnum_nir

PASSWORD = "Une phrase de passe solide"
CATEGORIES = (
    "artisan",
    "commercant",
    "micro_entrepreneur",
    "profession_liberale",
    "retraite",
    "ayant_droit",
)
RIGHTS = ("clients", "declare", "pay", "read")
CALLERS = (
    "anonymous",
    *(f"assure_{c}" for c in CATEGORIES),
    "admin",
    *(f"collab_{r}" for r in RIGHTS),
    "other_admin",
    "agent",
)


@dataclass
class Matrix:
    client: httpx.AsyncClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    cabinet_id: str = ""
    artisan_affiliate: str = ""
    affiliates: dict[str, str] = field(default_factory=dict)

    async def status(self, caller: str, method: str, path: str, body: Any = None) -> int:
        headers = self.headers.get(caller, {})
        if isinstance(body, bytes):
            resp = await self.client.request(
                method, path, content=body, headers={**headers, "content-type": "text/csv"}
            )
        else:
            resp = await self.client.request(method, path, json=body, headers=headers)
        return resp.status_code


@pytest.fixture
async def matrix(database_url: str) -> AsyncIterator[Matrix]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
        rate_limit_signup_per_minute=1000,
        rate_limit_login_per_minute=1000,
        rate_limit_activation_per_minute=1000,
    )
    app = bootstrap(settings, hasher=PlainHasher())
    api = create_app(app)

    async def link(account_id: str) -> str:
        async with app.engine.connect() as conn:
            rows = (await conn.execute(select(orm.outbox.c.payload))).scalars()
            sealed = [
                json.loads(r)["sealed_link"]
                for r in rows
                if json.loads(r).get("account_id") == account_id and "sealed_link" in json.loads(r)
            ]
        return parse_qs(urlparse(unseal(private, sealed[-1])).query)["token"][0]

    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            m = Matrix(client)

            async def login(caller: str, username: str) -> None:
                resp = await client.post(
                    "/v1/auth/token", json={"username": username, "password": PASSWORD}
                )
                assert resp.status_code == 200, (caller, resp.text)
                m.headers[caller] = {"Authorization": f"Bearer {resp.json()['access_token']}"}

            for i, category in enumerate(CATEGORIES):
                body = f"1850578{i:03d}084"
                nir = body + stdnum_nir.calc_check_digits(body)
                siren = luhn_complete(f"{i + 11:08d}")
                await app.on_registry_record(
                    incoming(record(siren=siren, sirets=[], nir=nir, category=category), f"r{i}")
                )
                email = f"{category}@example.fr"
                created = (
                    await client.post(
                        "/v1/assures",
                        json={
                            "nir": nir,
                            "birth_date": "1985-05-01",
                            "birth_name": "Dupont",
                            "email": email,
                            "password": PASSWORD,
                        },
                    )
                ).json()
                await client.post(
                    "/v1/accounts/activation", json={"token": await link(created["account_id"])}
                )
                await login(f"assure_{category}", email)
                me = await client.get("/v1/me", headers=m.headers[f"assure_{category}"])
                m.affiliates[category] = me.json()["affiliate_id"]
            me = (await client.get("/v1/me", headers=m.headers["assure_artisan"])).json()
            m.artisan_affiliate = me["affiliate_id"]
            for caller, email in (("admin", "admin@un.fr"), ("other_admin", "admin@deux.fr")):
                created = (
                    await client.post(
                        "/v1/cabinets", json=signup_body(email, random_siret(random.Random(email)))
                    )
                ).json()
                await client.post(
                    "/v1/accounts/activation",
                    json={"token": await link(created["admin_account_id"])},
                )
                await login(caller, email)
                if caller == "admin":
                    m.cabinet_id = created["cabinet_id"]
            for right in RIGHTS:
                invited = (
                    await client.post(
                        f"/v1/cabinets/{m.cabinet_id}/users",
                        json={
                            "first_name": right,
                            "last_name": "X",
                            "email": f"{right}@un.fr",
                            "rights": [right],
                        },
                        headers=m.headers["admin"],
                    )
                ).json()
                await client.post(
                    "/v1/accounts/activation",
                    json={"token": await link(invited["account_id"]), "password": PASSWORD},
                )
                await login(f"collab_{right}", f"{right}@un.fr")
            await app.auth_bus.handle(
                commands.CreateAgent("agent@urssaf.example", "Agent", PASSWORD)
            )
            await login("agent", "agent@urssaf.example")
            yield m


def _expect(default: int, **overrides: int) -> dict[str, int]:
    return {caller: overrides.get(caller, default) for caller in CALLERS}


DONNEES_OPEN = (
    "assure_artisan",
    "assure_commercant",
    "assure_micro_entrepreneur",
    "assure_retraite",
)


async def test_every_endpoint_answers_every_caller_with_the_exact_status(matrix: Matrix) -> None:
    m = matrix
    collab_no_admin = {f"collab_{r}": 403 for r in RIGHTS}
    cases: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", "/.well-known/jwks.json", None, _expect(200)),
        ("GET", "/v1/me", None, _expect(200, anonymous=401)),
        ("GET", "/v1/me/teleservices", None, _expect(200, anonymous=401)),
        ("GET", "/v1/me/sessions", None, _expect(200, anonymous=401)),
        ("DELETE", "/v1/me/sessions/not-a-session", None, _expect(404, anonymous=401)),
        (
            "GET",
            "/v1/me/donnees-personnelles",
            None,
            _expect(403, anonymous=401, **dict.fromkeys(DONNEES_OPEN, 200)),
        ),
        (
            "PATCH",
            "/v1/me/donnees-personnelles",
            {"mobile": "0612345678"},
            _expect(403, anonymous=401, **dict.fromkeys(DONNEES_OPEN, 200)),
        ),
        (
            "GET",
            f"/v1/cabinets/{m.cabinet_id}/users",
            None,
            _expect(404, anonymous=401, admin=200, **collab_no_admin),
        ),
        (
            "GET",
            f"/v1/affiliates/{m.artisan_affiliate}/donnees-personnelles",
            None,
            _expect(404, anonymous=401, assure_artisan=200, agent=200),
        ),
        (
            "POST",
            "/v1/affiliates/imports",
            b"siren,nir,birth_name,first_names,birth_date,category,address_line,postal_code,city,departement,affiliated_on\n",
            _expect(403, anonymous=401, agent=200),
        ),
    ]
    failures = []
    for method, path, body, expected in cases:
        for caller, status in expected.items():
            got = await m.status(caller, method, path, body)
            if got != status:
                failures.append(f"{method} {path} as {caller}: {got}, expected {status}")
    assert failures == []


async def test_every_route_to_donnees_personnelles_applies_the_matrix(matrix: Matrix) -> None:
    """An assuré whose category does not open « Mes données personnelles » does not read them
    through the affiliates' route either."""
    for category, affiliate_id in matrix.affiliates.items():
        headers = matrix.headers[f"assure_{category}"]
        mine = await matrix.client.get("/v1/me/donnees-personnelles", headers=headers)
        direct = await matrix.client.get(
            f"/v1/affiliates/{affiliate_id}/donnees-personnelles", headers=headers
        )
        expected = 200 if f"assure_{category}" in DONNEES_OPEN else 403
        assert (mine.status_code, direct.status_code) == (expected, expected), category
        if expected == 403:
            assert direct.json()["type"].endswith("/teleservice-not-open")
            assert "Mes données personnelles" in direct.json()["detail"]


async def test_the_teleservices_of_each_category_follow_the_access_table(matrix: Matrix) -> None:
    expected = {
        "artisan": 5,
        "commercant": 5,
        "micro_entrepreneur": 5,
        "profession_liberale": 1,
        "retraite": 3,
        "ayant_droit": 1,
    }
    for category, count in expected.items():
        resp = await matrix.client.get(
            "/v1/me/teleservices", headers=matrix.headers[f"assure_{category}"]
        )
        assert len(resp.json()) == count, category
    firm = await matrix.client.get("/v1/me/teleservices", headers=matrix.headers["admin"])
    assert firm.json() == []
