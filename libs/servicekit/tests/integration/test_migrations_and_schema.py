"""Migrations run by one copy at a time, and a process that does not migrate waits for the
schema instead of working against missing tables."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from servicekit.db import create_engine
from servicekit.migrations import current_revisions, prepare_schema, upgrade

MIGRATIONS = Path(__file__).resolve().parents[4] / "services" / "notifications" / "migrations"


async def test_two_copies_migrating_at_once_both_end_at_head(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await asyncio.gather(*(upgrade(engine, MIGRATIONS) for engine in engines))
        heads = await current_revisions(engines[0])
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(heads) == 1


async def test_a_process_that_does_not_migrate_waits_for_the_schema(database_url: str) -> None:
    waiter, migrator = create_engine(database_url), create_engine(database_url)
    try:
        waiting = asyncio.create_task(prepare_schema(waiter, MIGRATIONS, migrate=False))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiting), timeout=0.5)
        await prepare_schema(migrator, MIGRATIONS, migrate=True)
        await asyncio.wait_for(waiting, timeout=30)
    finally:
        await waiter.dispose()
        await migrator.dispose()
