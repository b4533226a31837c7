"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL) and the real broker.

The broker and PostgreSQL are started by the test tooling when none is running (see
``devstack.pytest_fixtures``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

pytest_plugins = ["devstack.pytest_fixtures"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A fresh, empty database on each backend the platform supports."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    yield await request.getfixturevalue("postgres_database_factory")()


@pytest.fixture
async def postgres_database_url(postgres_database_factory) -> str:  # type: ignore[no-untyped-def]
    return str(await postgres_database_factory())


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
