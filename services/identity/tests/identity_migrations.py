"""Bring a test database to a given revision of identity's schema."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from identity.bootstrap import MIGRATIONS
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


async def upgrade_to(engine: AsyncEngine, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
