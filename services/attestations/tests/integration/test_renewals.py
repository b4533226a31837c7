"""Before a vigilance certificate ends, the affilié is invited once to download a new one,
unless a newer one was issued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from attestations.domain import commands
from attestations_samples import Api, affiliate, assure, recorded, running_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(
        f"sqlite+aiosqlite:///{tmp_path}/a.db",
        tmp_path / "data",
        affiliate(),
        recorded(),
        pades=False,
    ) as api:
        yield api


async def _vigilance(api: Api) -> dict[str, str]:
    resp = await api.client.post(
        "/v1/attestations",
        json={"affiliate_id": "aff-1", "kind": "vigilance"},
        headers=assure(at=api.clock.now()),
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, str] = resp.json()
    return body


async def _expiring(api: Api) -> list[dict[str, object]]:
    return [p for t, p in await api.outbox() if t == "attestations.attestation.expiring.v1"]


async def test_a_vigilance_certificate_ending_within_30_days_is_noticed_once(api: Api) -> None:
    made = await _vigilance(api)  # valid until 10 September 2026
    assert await api.app.bus.handle(commands.NoticeRenewals(30)) == 0
    api.later(155)  # 12 August 2026
    assert await api.app.bus.handle(commands.NoticeRenewals(30)) == 1
    assert await api.app.bus.handle(commands.NoticeRenewals(30)) == 0
    (event,) = await _expiring(api)
    assert (event["attestation_id"], event["valid_until"]) == (made["attestation_id"], "2026-09-10")


async def test_no_invitation_once_a_newer_certificate_was_issued(api: Api) -> None:
    await _vigilance(api)
    api.later(150)
    await _vigilance(api)  # renewed before the invitation
    api.later(5)
    assert await api.app.bus.handle(commands.NoticeRenewals(30)) == 0
    assert await _expiring(api) == []
