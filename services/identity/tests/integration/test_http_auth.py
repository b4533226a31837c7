"""Authentication over HTTP on a real database: tokens, JWKS, refresh rotation and reuse,
logout, the login throttle, rate limits, key rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from identity.adapters.nir_vault import NirVault
from identity.bootstrap import IdentityApp, bootstrap
from identity.config import IdentitySettings
from identity.domain import commands
from identity.entrypoints.http import create_app
from identity_fakes import PlainHasher
from servicekit.auth import ACCESS_TOKEN_TYPE, PLATFORM_AUDIENCES, TokenVerifier, audience_of
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager

PASSWORD = "Une phrase de passe solide"


@dataclass
class Api:
    client: httpx.AsyncClient
    app: IdentityApp
    clock: FakeClock
    private_key: str

    async def agent(self, email: str = "agent@urssaf.example") -> str:
        await self.app.auth_bus.handle(commands.CreateAgent(email, "Agent Test", PASSWORD))
        return email

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/v1/auth/token", json={"username": username, "password": password}
        )


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    private, public = generate_keypair()
    settings = IdentitySettings(
        database_url=database_url,
        notifications_public_key=public,
        nir_key=NirVault.generate_key(),
        rate_limit_login_per_minute=1000,
        rate_limit_signup_per_minute=3,
    )
    clock = FakeClock()
    app = bootstrap(settings, hasher=PlainHasher(), clock=clock)
    fastapi_app = create_app(app)
    async with LifespanManager(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            yield Api(client, app, clock, private)


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_an_agent_logs_in_and_its_token_is_verified_against_the_published_keys(
    api: Api,
) -> None:
    email = await api.agent()
    resp = await api.login(email)
    assert resp.status_code == 200, resp.text
    tokens = resp.json()
    me = await api.client.get("/v1/me", headers=_bearer(tokens))
    assert me.status_code == 200, me.text
    assert me.json()["actor"] == "agent"

    async def jwks() -> dict[str, Any]:
        return (await api.client.get("/.well-known/jwks.json")).json()  # type: ignore[no-any-return]

    principal = await TokenVerifier(jwks, audience=audience_of("identity"), clock=api.clock).verify(
        tokens["access_token"]
    )
    assert principal.subject == tokens["account_id"]


async def test_a_login_gives_an_access_token_for_every_service_of_the_platform(
    api: Api,
) -> None:
    tokens = (await api.login(await api.agent())).json()
    header = jwt_header(tokens["access_token"])
    claims = jwt_claims(tokens["access_token"])
    assert header["typ"] == ACCESS_TOKEN_TYPE
    assert claims["token_use"] == "access"
    assert sorted(claims["aud"]) == sorted(PLATFORM_AUDIENCES)
    assert claims["nbf"] == claims["iat"] < claims["exp"]


async def test_identity_refuses_a_token_whose_audience_lacks_it(api: Api) -> None:
    account_id = (await api.login(await api.agent())).json()["account_id"]
    claims = {"sub": account_id, "act": "agent", "rights": []}
    elsewhere = api.app.keys.sign(claims, timedelta(minutes=5), (audience_of("cotisations"),))
    mine = api.app.keys.sign(claims, timedelta(minutes=5), (audience_of("identity"),))
    refused = await api.client.get("/v1/me", headers={"Authorization": f"Bearer {elsewhere}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "Jeton d'accès émis pour un autre usage."
    accepted = await api.client.get("/v1/me", headers={"Authorization": f"Bearer {mine}"})
    assert accepted.status_code == 200, accepted.text


async def test_the_signing_keys_private_part_is_masked_in_logs(api: Api) -> None:
    from servicekit.logging import MASK, SECRETS

    await api.app.keys.rotate()
    private = api.app.keys.signing_key().as_dict(private=True)
    assert SECRETS.mask(f"key d={private['d']}") == f"key d={MASK}"


def jwt_header(token: str) -> dict[str, Any]:
    return _segment(token.split(".", maxsplit=1)[0])


def jwt_claims(token: str) -> dict[str, Any]:
    return _segment(token.split(".")[1])


def _segment(part: str) -> dict[str, Any]:
    import base64
    import json

    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


async def test_wrong_password_and_unknown_account_get_the_same_answer(api: Api) -> None:
    email = await api.agent()
    wrong = await api.login(email, "not the password at all")
    unknown = await api.login("nobody@nowhere.example")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["type"] == unknown.json()["type"]


async def test_an_account_not_yet_activated_cannot_log_in(api: Api) -> None:
    import random

    from journeys import random_siret, signup_body

    body = signup_body("pending@cabinet.fr", random_siret(random.Random(1)))
    assert (await api.client.post("/v1/cabinets", json=body)).status_code == 201
    assert (await api.login("pending@cabinet.fr")).status_code == 401


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(api: Api) -> None:
    first = (await api.login(await api.agent())).json()
    second = (
        await api.client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    api.clock.advance(timedelta(seconds=31))  # past the grace of a concurrent refresh
    reused = await api.client.post(
        "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/session-rejected")
    after = await api.client.post(
        "/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401


async def test_a_token_refreshed_twice_at_once_gives_each_request_a_pair_and_revokes_nothing(
    api: Api,
) -> None:
    """The requests of one page (or two copies of the portal) refreshing with the same cookie
    within the grace: each gets a working pair of the same session; later, a reuse still
    revokes the whole family."""
    first = (await api.login(await api.agent())).json()
    body = {"refresh_token": first["refresh_token"]}
    one = await api.client.post("/v1/auth/refresh", json=body)
    api.clock.advance(timedelta(seconds=29))
    other = await api.client.post("/v1/auth/refresh", json=body)
    assert (one.status_code, other.status_code) == (200, 200), other.text
    pairs = [one.json(), other.json()]
    assert pairs[0]["refresh_token"] != pairs[1]["refresh_token"]
    for pair in pairs:
        assert (await api.client.get("/v1/me", headers=_bearer(pair))).status_code == 200
    sessions = await api.client.get("/v1/me/sessions", headers=_bearer(pairs[1]))
    assert len(sessions.json()) == 1  # one session, not two
    renewed = await api.client.post(
        "/v1/auth/refresh", json={"refresh_token": pairs[0]["refresh_token"]}
    )
    assert renewed.status_code == 200  # both lines of the family go on

    api.clock.advance(timedelta(seconds=2))  # 31 s after its use: a reuse, not a race
    stolen = await api.client.post("/v1/auth/refresh", json=body)
    assert stolen.status_code == 401
    for pair in (renewed.json(), pairs[1]):
        refused = await api.client.post(
            "/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert refused.status_code == 401  # the whole family revoked


async def test_logout_revokes_the_session(api: Api) -> None:
    tokens = (await api.login(await api.agent())).json()
    out = await api.client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await api.client.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_repeated_failures_make_the_account_wait_longer_and_say_until_when(
    api: Api,
) -> None:
    email = await api.agent()
    for _ in range(3):
        assert (await api.login(email, "wrong password!!")).status_code == 401
    blocked = await api.login(email)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "1"
    api.clock.advance(timedelta(seconds=1))
    assert (await api.login(email, "wrong password!!")).status_code == 401
    assert (await api.login(email)).headers["retry-after"] == "2"
    api.clock.advance(timedelta(seconds=2))
    assert (await api.login(email)).status_code == 200


async def test_an_expired_access_token_is_refused(api: Api) -> None:
    tokens = (await api.login(await api.agent())).json()
    api.clock.advance(timedelta(minutes=11))
    resp = await api.client.get("/v1/me", headers=_bearer(tokens))
    assert resp.status_code == 401
    assert "expiré" in resp.json()["detail"]


async def test_tokens_of_the_previous_key_stay_valid_after_a_rotation(api: Api) -> None:
    old = (await api.login(await api.agent())).json()
    await api.app.keys.rotate()
    keys = (await api.client.get("/.well-known/jwks.json")).json()["keys"]
    assert len(keys) == 2
    new = (await api.login("agent@urssaf.example")).json()
    assert (await api.client.get("/v1/me", headers=_bearer(old))).status_code == 200
    assert (await api.client.get("/v1/me", headers=_bearer(new))).status_code == 200
    api.clock.advance(timedelta(days=2))
    assert len((await api.client.get("/.well-known/jwks.json")).json()["keys"]) == 1


async def test_signups_past_the_rate_limit_get_429_with_retry_after(api: Api) -> None:
    statuses = [(await api.client.post("/v1/cabinets", json={})).status_code for _ in range(4)]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3] == 429


async def _mailed_link(api: Api, event_type: str, private_key: str) -> str:
    import json
    from urllib.parse import parse_qs, urlparse

    from identity.adapters import orm
    from servicekit.sealing import unseal
    from sqlalchemy import select

    async with api.app.engine.connect() as conn:
        payloads = (
            await conn.execute(
                select(orm.outbox.c.payload)
                .where(orm.outbox.c.event_type == event_type)
                .order_by(orm.outbox.c.id)
            )
        ).scalars()
        sealed = [json.loads(p)["sealed_link"] for p in payloads][-1]
    return parse_qs(urlparse(unseal(private_key, sealed)).query)["token"][0]


async def test_a_password_reset_by_mail_sets_the_new_password_and_ends_every_session(
    api: Api,
) -> None:
    email = await api.agent()
    session = (await api.login(email)).json()
    for address in (email, "nobody@nowhere.example"):
        resp = await api.client.post("/v1/auth/password-reset", json={"email": address})
        assert resp.status_code == 202
    token = await _mailed_link(api, "identity.account.password_reset_requested.v1", api.private_key)
    new = "Un tout nouveau mot de passe"
    done = await api.client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new}
    )
    assert done.status_code == 200, done.text
    assert (await api.login(email)).status_code == 401
    assert (await api.login(email, new)).status_code == 200
    refreshed = await api.client.post(
        "/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 401
    again = await api.client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Ce lien de réinitialisation du mot de passe a déjà été utilisé."
    )


async def test_a_new_email_replaces_the_old_only_once_confirmed(api: Api) -> None:
    email = await api.agent()
    tokens = (await api.login(email)).json()
    resp = await api.client.post(
        "/v1/me/email", json={"new_email": "nouvelle@urssaf.example"}, headers=_bearer(tokens)
    )
    assert resp.status_code == 202
    assert (await api.login(email)).status_code == 200
    token = await _mailed_link(api, "identity.account.email_change_requested.v1", api.private_key)
    confirmed = await api.client.post("/v1/accounts/email-confirmation", json={"token": token})
    assert confirmed.status_code == 200
    assert (await api.login("nouvelle@urssaf.example")).status_code == 200
    assert (await api.login(email)).status_code == 401
    [changed] = await _published(api, "identity.account.email_changed.v1")
    assert (changed["email"], changed["kind"]) == ("nouvelle@urssaf.example", "agent")


async def _published(api: Api, event_type: str) -> list[dict[str, object]]:
    import json

    from identity.adapters import orm
    from sqlalchemy import select

    async with api.app.engine.connect() as conn:
        rows = await conn.execute(
            select(orm.outbox.c.payload).where(orm.outbox.c.event_type == event_type)
        )
        return [json.loads(payload) for payload in rows.scalars()]


async def test_an_activation_link_cannot_reset_a_password(api: Api) -> None:
    resp = await api.client.post(
        "/v1/auth/password-reset/confirm",
        json={"token": "x" * 43, "new_password": "Un tout nouveau mot de passe"},
    )
    assert resp.status_code == 404
