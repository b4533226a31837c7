"""mandates accepts only the access tokens whose audience names it, and only access tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from mandates_world import world
from servicekit.auth import PLATFORM_AUDIENCES, audience_of
from servicekit.testing.polling import eventually
from servicekit.testing.tokens import token


@pytest.mark.parametrize(
    ("claims", "status", "detail"),
    [
        ({"aud": list(PLATFORM_AUDIENCES)}, 200, None),
        ({"aud": audience_of("mandates")}, 200, None),
        ({"aud": [audience_of("cotisations")]}, 401, "Jeton d'accès émis pour un autre usage."),
        ({"aud": "mon-compte"}, 401, "Jeton d'accès émis pour un autre usage."),
        ({"token_use": "refresh"}, 401, "Ce jeton n'est pas un jeton d'accès."),
    ],
    ids=["platform", "mandates only", "cotisations only", "former shared", "refresh kind"],
)
async def test_mandates_accepts_only_access_tokens_meant_for_it(
    database_url: str, claims: dict[str, object], status: int, detail: str | None
) -> None:
    async with world(database_url) as w:
        jwt = token("assure", subject="acc-aff-1", aff="aff-1", **claims)
        resp = await w.client.get("/v1/me/mandates", headers={"Authorization": f"Bearer {jwt}"})
    assert resp.status_code == status, resp.text
    if detail is not None:
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["detail"] == detail


async def test_readiness_reports_the_state_of_identitys_key_set(database_url: str) -> None:
    async with world(database_url) as w:

        async def checks() -> dict[str, str]:
            return dict((await w.client.get("/health/ready")).json()["checks"])

        before = await eventually(
            lambda: _fetched(checks), timeout_s=10, message="key set not fetched at start"
        )
        jwt = token("assure", subject="acc-aff-1", aff="aff-1")
        resp = await w.client.get("/v1/me/mandates", headers={"Authorization": f"Bearer {jwt}"})
        assert resp.status_code == 200
        after = await checks()
    assert before["jwks"].startswith("ok: 1 key(s)")  # fetched at start, before any token
    assert after["jwks"].startswith("ok: 1 key(s)")


async def _fetched(checks: Callable[[], Awaitable[dict[str, str]]]) -> dict[str, str] | None:
    found = await checks()
    return found if found["jwks"].startswith("ok") else None
