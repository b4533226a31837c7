"""Transactional outbox: the writer used inside a unit of work.

The state change and its outgoing events commit in one transaction; :mod:`servicekit.relay`
publishes the committed rows in id order. The writer keeps the rows of a unit of work and
inserts them when it commits (:meth:`OutboxWriter.flush`). On PostgreSQL it first takes a
transaction-scoped advisory lock on each row's key (a bucket of keys: ``(topic, key)`` hashed
into :data:`KEY_BUCKETS`, locked in bucket order, so two writers never deadlock on them):
two transactions writing events of one key then insert and commit one after the other, and
their ids follow their commit order — without it, a transaction that got an id first could
commit last and its event would be published after a later one of the same key. (On SQLite
writers are serialized by the database.)
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.base import EventPayload
from contracts.envelope import Envelope
from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock
from servicekit.context import current_correlation_id
from servicekit.tables import OUTBOX_PENDING
from servicekit.tracing import current_trace_headers


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An event a use case hands to the outbox: its payload, its key, and its id if chosen."""

    payload: EventPayload
    subject: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    """One event ready to be stored: its envelope and its JSON data."""

    topic: str
    envelope: Envelope
    data: str

    @classmethod
    def build(
        cls,
        payload: EventPayload,
        *,
        subject: str,
        source: str,
        time: datetime,
        event_id: str | None = None,
        trace_headers: dict[str, str] | None = None,
    ) -> OutgoingEvent:
        """``trace_headers``: the current span's, when the caller read them already (one
        read for a batch of events written in the same span)."""
        if trace_headers is None:
            trace_headers = current_trace_headers()
        envelope = Envelope(
            id=event_id or str(uuid.uuid4()),
            type=payload.event_type,
            source=source,
            time=time,
            subject=subject,
            traceparent=trace_headers.get("traceparent"),
            tracestate=trace_headers.get("tracestate"),
            correlation_id=current_correlation_id.get(),
        )
        return cls(topic=payload.topic, envelope=envelope, data=payload.model_dump_json())


KEY_BUCKETS = 256
_LOCK_NAMESPACE = 0x6F62  # "ob": the outbox's advisory locks, apart from any other


def key_bucket(topic: str, key: str) -> int:
    return zlib.crc32(f"{topic}\x00{key}".encode()) % KEY_BUCKETS


class OutboxWriter:
    """Adds outgoing events to the session's transaction."""

    def __init__(self, session: AsyncSession, table: Table, source: str, clock: Clock) -> None:
        self._session = session
        self._table = table
        self._source = source
        self._clock = clock
        self.added: list[OutgoingEvent] = []
        self._rows: list[dict[str, object]] = []

    async def add(
        self, payload: EventPayload, *, subject: str, event_id: str | None = None
    ) -> OutgoingEvent:
        return (await self.add_many([Outgoing(payload, subject, event_id)]))[0]

    async def add_many(self, outgoing: Sequence[Outgoing]) -> list[OutgoingEvent]:
        """Store several events in one statement (a bulk use case: thousands of rows)."""
        now = self._clock.now()
        trace_headers = current_trace_headers()  # one span for the whole batch
        events = [
            OutgoingEvent.build(
                o.payload,
                subject=o.subject,
                source=self._source,
                time=now,
                event_id=o.event_id,
                trace_headers=trace_headers,
            )
            for o in outgoing
        ]
        if not events:
            return events
        self._rows.extend(
            [
                {
                    "event_id": event.envelope.id,
                    "topic": event.topic,
                    "key": o.subject,
                    "event_type": event.envelope.type,
                    "headers": json.dumps(
                        {name: value.decode() for name, value in event.envelope.to_headers()}
                    ),
                    "payload": event.data,
                    "state": OUTBOX_PENDING,
                    "attempts": 0,
                    "created_at": event.envelope.time,
                }
                for o, event in zip(outgoing, events, strict=True)
            ]
        )
        self.added.extend(events)
        return events

    async def flush(self) -> None:
        """Insert the rows added so far (called by the unit of work as it commits)."""
        rows, self._rows = self._rows, []
        if not rows:
            return
        if self._session.get_bind().dialect.name == "postgresql":
            buckets = sorted({key_bucket(str(r["topic"]), str(r["key"])) for r in rows})
            await self._session.execute(
                text(
                    "SELECT pg_advisory_xact_lock(:namespace, b)"
                    " FROM (SELECT unnest(CAST(:buckets AS integer[])) AS b ORDER BY 1) AS s"
                ),
                {"namespace": _LOCK_NAMESPACE, "buckets": buckets},
            )
        await self._session.execute(insert(self._table), rows)
