"""Alembic, driven from code: each service's ``migrations/env.py`` calls :func:`run_env`.

``upgrade(engine, script_location)`` applies every revision on an async engine, one copy at a
time: on PostgreSQL under an advisory lock, on SQLite inside a ``BEGIN IMMEDIATE``
transaction (the database's write lock). Several copies of a process starting together
therefore migrate once; the others wait and find the schema at head.

:func:`prepare_schema` is what every process (api and worker) calls before it serves: it
migrates when its settings say so, and otherwise waits until another process (the ``migrate``
command, a deployment job) has brought the schema to head — a worker never consumes against
tables that do not exist yet.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import create_engine
from servicekit.logging import get_logger

_log = get_logger(__name__)
_MIGRATION_LOCK = 0x6D6967  # "mig"


def _config(script_location: Path, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, script_location: Path) -> None:
    """Apply every migration up to head, one copy at a time."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
        await conn.run_sync(lambda c: command.upgrade(_config(script_location, c), "head"))


def _heads(script_location: Path) -> set[str]:
    return set(ScriptDirectory.from_config(_config(script_location)).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        revisions = await conn.run_sync(
            lambda c: set(MigrationContext.configure(c).get_current_heads())
        )
        await conn.rollback()
    return revisions


async def wait_for_schema(
    engine: AsyncEngine, script_location: Path, timeout_s: float = 120.0
) -> None:
    """Return once the database is at head; raise ``TimeoutError`` after ``timeout_s``."""
    heads = _heads(script_location)
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        try:
            if await current_revisions(engine) == heads:
                return
        except Exception as exc:  # the database is not there yet
            _log.info("schema_not_ready", error=type(exc).__name__)
        if time.monotonic() > deadline:
            raise TimeoutError(f"the schema did not reach {sorted(heads)} in {timeout_s}s")
        _log.info("schema_waiting_for_migrations", heads=sorted(heads))
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)


async def prepare_schema(engine: AsyncEngine, script_location: Path, *, migrate: bool) -> None:
    """Migrate (one copy at a time) or wait until the schema is at head."""
    if migrate:
        await upgrade(engine, script_location)
    else:
        await wait_for_schema(engine, script_location)


def run_env(metadata: MetaData) -> None:
    """The body of a service's ``env.py``: online migrations on the connection given, or on
    an engine built from ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")

    def run(conn: Connection) -> None:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    if connection is not None:
        run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set")

    async def online() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(run)
        await engine.dispose()

    asyncio.run(online())
