"""Async SQLAlchemy engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite write transactions start with ``BEGIN IMMEDIATE`` so that an api and a worker sharing a
file wait for each other (busy timeout) instead of failing on a lock upgrade. A transaction
opened with the execution option ``READ_ONLY`` starts with a plain ``BEGIN`` instead: in WAL
mode it reads a snapshot without waiting for any writer, and no writer waits for it.

SQLite has one writer at a time, and a writer that finds the file locked *sleeps* in SQLite's
busy handler (1, 2, 5, 10 … 100 ms) and looks again: it is not woken when the lock is freed.
Within one process, the write transactions of an engine therefore queue on an asyncio lock
first (the *writers' gate*): each is woken the moment the one before it ends, and only a
writer of another process (the api and the worker of a service share a file) is waited for by
the busy handler. The gate is held from ``BEGIN IMMEDIATE`` to the transaction's end; a
transaction waits for it as long as it would wait for the file (the busy timeout), then fails
as a locked database does.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_only, in_greenlet

READ_ONLY = "servicekit_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, busy_timeout_s: float = 30.0
) -> AsyncEngine:
    """An engine configured for the backend named by ``url``; on SQLite, a writer waits up to
    ``busy_timeout_s`` for the file (and for the writers' gate)."""
    parsed = make_url(url)
    if is_sqlite(url):
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": busy_timeout_s})
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


_GATE_HELD = "servicekit_writers_gate"
"""Where a connection keeps the gate it holds (its pool record's ``info``)."""


class WritersGate:
    """One lock per event loop (an engine may be used from more than one, as tests do)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def enter(self, info: dict[Any, Any]) -> None:
        """Wait for the gate (from inside SQLAlchemy's greenlet); no-op outside one or when
        this connection holds it already."""
        if _GATE_HELD in info or not in_greenlet():
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), self.timeout_s))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        info[_GATE_HELD] = lock

    @staticmethod
    def leave(info: dict[Any, Any]) -> None:
        lock = info.pop(_GATE_HELD, None)
        if lock is not None and lock.locked():
            lock.release()


def _then_leave(end: Callable[[Any], None], gate: WritersGate) -> Callable[[Any], None]:
    def ended(dbapi_connection: Any) -> None:
        try:
            end(dbapi_connection)
        finally:
            try:
                info = dbapi_connection.info
            except (AttributeError, NotImplementedError):  # the engine's first connection
                info = {}
            gate.leave(info)

    return ended


def _use_wal(cursor: Any, busy_timeout_s: float) -> None:
    """WAL mode is kept in the file, so only a new file's first connections change it. Two
    of them at once may find the file locked (SQLite does not call its busy handler for that
    change): the one refused tries again, within the busy timeout. A connection to a file in
    WAL already changes nothing."""
    deadline = time.monotonic() + busy_timeout_s
    delay = 0.01
    while True:
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)  # rare (a new file), and short: the other connection's change
        delay = min(delay * 2, 0.2)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_s: float = 30.0) -> None:
    gate = WritersGate(busy_timeout_s)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        _use_wal(cursor, busy_timeout_s)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(connection.info)
            raise

    # the gate opens once the COMMIT or ROLLBACK is done (SQLAlchemy's "commit" and
    # "rollback" events come before it: the next writer would find the file still locked);
    # these are this engine's own dialect's methods, wrapped
    dialect = engine.sync_engine.dialect
    for name in ("do_commit", "do_rollback"):
        setattr(dialect, name, _then_leave(getattr(dialect, name), gate))

    # should a connection leave without either (invalidated, collected), its return to the
    # pool opens the gate
    def _returned(_: Any, record: Any, *rest: Any) -> None:
        gate.leave(record.info)

    event.listen(engine.sync_engine.pool, "checkin", _returned)
    event.listen(engine.sync_engine.pool, "invalidate", _returned)


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose transactions only read: on SQLite a plain ``BEGIN`` (a snapshot
    that waits for no writer and that no writer waits for, outside the writers' gate)."""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        yield conn


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: every instant the platform stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
