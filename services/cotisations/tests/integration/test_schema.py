"""The migrations build exactly the tables the code declares, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cotisations.adapters import orm
from cotisations_api import running_api


async def test_the_migrations_build_the_declared_schema(database_url: str) -> None:
    async with running_api(database_url) as api, api.app.engine.connect() as conn:
        diffs = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), orm.metadata)
        )
    assert diffs == []
