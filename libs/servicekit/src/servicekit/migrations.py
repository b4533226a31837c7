"""Alembic, driven from code: each service's ``migrations/env.py`` calls :func:`run_env`.

``upgrade(engine, script_location)`` applies every revision on an async engine; it is what the
``migrate`` command and the api's start-up call.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import create_engine


def _config(script_location: Path, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, script_location: Path) -> None:
    """Apply every migration up to head."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_config(script_location, c), "head"))


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
