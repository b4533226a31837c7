"""What a failure means for the bus: transient (wait and try again, never dead-letter) or
permanent (a few more tries, then the dead-letter topic), and how to describe it safely.

- **Transient**: the database or the broker cannot be reached or is busy (connection lost,
  pool or lock time-out, a serialization failure or deadlock the database asks to retry,
  SQLite's "database is locked"), an :class:`OSError`, a time-out, a Kafka error its client marks
  retriable, or a :class:`TransientError` a service raises itself.
- **Permanent**: everything else (a bug, a rule the event breaks). A message that can never be
  read is a :class:`servicekit.messaging.PoisonMessage` and is dead-lettered at once.

:func:`describe` gives a one-line description that never carries input values: a pydantic
validation error keeps the location and message of each error (never the input), a database
error keeps its class and SQLSTATE (never the statement or its parameters), and any other
exception keeps its type and where it was raised, unless it is a :class:`SafeError` whose
message was written for people to read.
"""

from __future__ import annotations

import asyncio
import sqlite3
import traceback

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes a client should retry: connection exceptions (08), insufficient
# resources (53), operator intervention (57P01-57P04), serialization failure and deadlock,
# lock not available, object in use, a database not accepting connections (55000), statement
# time-out, system and I/O errors (58).
_TRANSIENT_SQLSTATES = (
    "08",
    "53",
    "57P01",
    "57P02",
    "57P03",
    "57P04",
    "40001",
    "40P01",
    "55P03",
    "55006",
    "55000",
    "57014",
    "58",
)
_TRANSIENT_SQLITE = ("database is locked", "database is busy", "disk i/o error", "unable to open")


class SafeError(Exception):
    """An error whose message names no input value and may be logged and dead-lettered."""


class TransientError(SafeError):
    """A failure that will pass: the message is retried, never dead-lettered."""


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failure that waiting will cure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_itself(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, TransientError | TimeoutError | asyncio.TimeoutError | ConnectionError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return _transient_itself(exc.orig) if exc.orig is not None else False
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(marker in text for marker in _TRANSIENT_SQLITE)
    sqlstate = _sqlstate(exc)
    if sqlstate is not None:
        return sqlstate.startswith(_TRANSIENT_SQLSTATES)
    if _is_kafka_error(exc):
        return bool(getattr(exc, "retriable", False)) or type(exc).__name__ in (
            "KafkaConnectionError",
            "NodeNotReadyError",
            "KafkaTimeoutError",
            "RequestTimedOutError",
        )
    return isinstance(exc, OSError)


def _sqlstate(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) else None


def _is_kafka_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("aiokafka", "kafka"))


def describe(exc: BaseException, *, limit: int = 500) -> str:
    """A one-line description of ``exc`` that carries no input value."""
    return _describe(exc)[:limit]


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False, include_context=False)
        ]
        return f"{name} ({exc.title}): " + "; ".join(parts)
    if isinstance(exc, sa_exc.StatementError):
        orig = exc.orig
        detail = type(orig).__name__ if orig is not None else "?"
        sqlstate = _sqlstate(orig) if orig is not None else None
        return f"{name} ({detail}{', SQLSTATE ' + sqlstate if sqlstate else ''})"
    if isinstance(exc, SafeError) or _is_kafka_error(exc):
        text = str(exc)
        return f"{name}: {text}" if text else name
    return f"{name} at {_where(exc)}"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if not frames:
        return "(no traceback)"
    last = frames[-1]
    module = "/".join(last.filename.replace("\\", "/").split("/")[-2:])
    return f"{module}:{last.lineno} in {last.name}"
