"""SQLite's writers of one process queue on the engine's writers' gate, woken in turn, rather
than on the file's lock, where each sleeps in SQLite's busy handler and looks again.

The proof: SQLite's own busy timeout is set to zero on every connection (a writer finding the
file locked fails at once with « database is locked »); writers of one engine that overlap
still all commit, because none of them reaches the file while another holds it. A second
engine on the same file (another process's, in production) is not queued by the gate: it
meets the file's lock, as it should.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from servicekit.db import READ_ONLY, create_engine, reading
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

WRITERS = 12


def _no_busy_wait(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))


async def _write(engine: AsyncEngine, value: str, hold_s: float = 0.02) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
        await asyncio.sleep(hold_s)  # other work of the transaction: the lock is held


@asynccontextmanager
async def _write_held(engine: AsyncEngine, value: str) -> AsyncIterator[None]:
    """A write transaction of ``engine`` held open (its lock taken) while the block runs."""
    held, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await asyncio.wait_for(held.wait(), 10)
    try:
        yield
    finally:
        release.set()
        await asyncio.wait_for(task, 10)


async def test_overlapping_writers_of_one_engine_all_commit_without_a_busy_wait(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/gate.db", busy_timeout_s=10)
    _no_busy_wait(engine)
    try:
        await _table(engine)
        await asyncio.gather(*(_write(engine, f"w{i}") for i in range(WRITERS)))
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        assert count == WRITERS
    finally:
        await engine.dispose()


async def test_the_gate_opens_after_a_rollback_and_after_a_failed_transaction(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/gate.db", busy_timeout_s=10)
    _no_busy_wait(engine)
    try:
        await _table(engine)

        async def failing() -> None:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('rolled back')"))
                raise RuntimeError("the use case failed")

        async def refused() -> None:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO missing (v) VALUES ('x')"))

        with pytest.raises(RuntimeError):
            await failing()
        with pytest.raises(OperationalError):
            await refused()
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('then')"))
            await conn.rollback()
        await asyncio.wait_for(
            asyncio.gather(*(_write(engine, f"w{i}", 0.0) for i in range(WRITERS))), 10
        )
        async with engine.connect() as conn:
            values = (await conn.execute(text("SELECT v FROM t"))).scalars().all()
        assert sorted(values) == sorted(f"w{i}" for i in range(WRITERS))
    finally:
        await engine.dispose()


async def test_readers_do_not_queue_on_the_gate(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/gate.db", busy_timeout_s=10)
    try:
        await _table(engine)
        async with _write_held(engine, "long"):
            async with engine.connect() as plain:
                snapshot = await plain.execution_options(**{READ_ONLY: True})
                seen = (await snapshot.execute(text("SELECT count(*) FROM t"))).scalar_one()
            assert seen == 0  # a snapshot read, while the writer holds the gate
            async with reading(engine) as conn:  # the plumbing's reads: the same
                assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_a_writer_of_another_engine_meets_the_files_lock(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/gate.db"
    ours, theirs = create_engine(url, busy_timeout_s=10), create_engine(url, busy_timeout_s=10)
    _no_busy_wait(theirs)
    try:
        await _table(ours)
        async with _write_held(ours, "ours"):
            with pytest.raises(OperationalError, match="locked"):
                await _write(theirs, "theirs", 0.0)
    finally:
        await ours.dispose()
        await theirs.dispose()
