"""The migrations build exactly the tables the code declares (on each backend), and
attestations accepts only the access tokens whose audience names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from attestations.adapters import orm
from attestations.bootstrap import bootstrap
from attestations.config import AttestationsSettings
from attestations_samples import NOW, affiliate, running_api
from servicekit.auth import PLATFORM_AUDIENCES, audience_of
from servicekit.clock import FakeClock
from servicekit.testing.tokens import bearer


async def test_the_migrations_build_the_declared_schema(database_url: str, tmp_path: Path) -> None:
    app = bootstrap(
        AttestationsSettings(database_url=database_url, data_dir=str(tmp_path)),
        clock=FakeClock(NOW),
    )
    try:
        await app.migrate()
        async with app.engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), orm.metadata)
            )
    finally:
        await app.stop()
    assert diffs == []


def test_identity_mints_tokens_for_attestations() -> None:
    assert audience_of("attestations") == "mon-compte:attestations"
    assert "mon-compte:attestations" in PLATFORM_AUDIENCES


@pytest.mark.parametrize(
    ("aud", "status"),
    [
        (list(PLATFORM_AUDIENCES), 200),
        ([audience_of("attestations")], 200),
        ([audience_of("cotisations"), audience_of("mandates")], 401),
        ("mon-compte", 401),
    ],
    ids=["platform", "attestations only", "other services", "former shared"],
)
async def test_a_token_is_accepted_only_if_its_audience_names_attestations(
    tmp_path: Path, aud: object, status: int
) -> None:
    async with running_api(
        f"sqlite+aiosqlite:///{tmp_path}/a.db", tmp_path / "data", affiliate(), pades=False
    ) as api:
        headers = bearer("assure", "acc-aff-1", exp_at=NOW, aff="aff-1", aud=aud)
        resp = await api.client.get("/v1/affiliates/aff-1/attestations", headers=headers)
    assert resp.status_code == status, resp.text
    if status == 401:
        assert resp.json()["detail"] == "Jeton d'accès émis pour un autre usage."
