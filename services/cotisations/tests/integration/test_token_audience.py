"""cotisations accepts only the access tokens whose audience names it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import AUDIENCE, create_app
from cotisations_samples import NOW, affiliate, event, token
from servicekit.auth import PLATFORM_AUDIENCES, audience_of
from servicekit.clock import FakeClock
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import verifier


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = bootstrap(CotisationsSettings(database_url=database_url), clock=FakeClock(NOW))
    api = create_app(app, verifier=verifier(FakeClock(NOW), audience=AUDIENCE))
    async with LifespanManager(api):
        await app.on_affiliate(event(affiliate("aff-1", "artisan")))
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
            yield client


@pytest.mark.parametrize(
    ("aud", "status"),
    [
        (list(PLATFORM_AUDIENCES), 200),
        ([audience_of("cotisations")], 200),
        ([audience_of("mandates"), audience_of("identity")], 401),
        (audience_of("notifications"), 401),
        ("mon-compte", 401),
    ],
)
async def test_a_token_is_accepted_only_if_its_audience_names_cotisations(
    client: httpx.AsyncClient, aud: object, status: int
) -> None:
    headers = token("assure", "acc-1", aff="aff-1", cat="artisan", aud=aud)
    resp = await client.get("/v1/accounts/aff-1", headers=headers)
    assert resp.status_code == status, resp.text
    if status == 401:
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["detail"] == "Jeton d'accès émis pour un autre usage."
