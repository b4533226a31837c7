"""How a worker follows the read model: one consumer group (``access``) per service on the
topics it needs, the events of a fetch in one transaction, and a dead letter that fails
closed.

An access event the read model cannot apply (unreadable, or failing past its retries) would
otherwise be skipped — and a skipped "mandate ended" or "subscriber removed" would leave a
firm with access. Before such a message is given up, :class:`Quarantine` records its key: the
client (``mandates.mandate`` is keyed by affiliate id) or the firm (``mandates.portfolio`` and
``identity.cabinet`` by cabinet id). While quarantined, no firm user reaches that client, or
no user of that firm reaches any client; agents and assurés are not affected. Applying the
event later (an operator's replay of the dead letters) lifts its quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from servicekit.inbox import insert_ignoring_conflicts
from servicekit.logging import get_logger
from servicekit.messaging import BatchHandler, DeadLetter, EventRouter, Handler
from sqlalchemy.ext.asyncio import AsyncEngine

from delegation.read_model import ACCESS_EVENT_TYPES
from delegation.tables import AFFILIATE, CABINET, EVERYONE, AccessTables

_log = get_logger(__name__)
_SCOPES = {
    mandates_v1.MANDATE: AFFILIATE,
    mandates_v1.PORTFOLIO: CABINET,
    identity_v1.CABINET: CABINET,
}


class Quarantine:
    def __init__(self, engine: AsyncEngine, tables: AccessTables) -> None:
        self._engine = engine
        self._table = tables.quarantine

    async def __call__(self, letter: DeadLetter) -> None:
        scope = _SCOPES.get(letter.topic, EVERYONE) if letter.key else EVERYONE
        key = letter.key or "*"
        event_id = letter.event_id or f"{letter.topic}:{letter.partition}:{letter.offset}"
        async with self._engine.begin() as conn:
            await conn.execute(
                insert_ignoring_conflicts(conn.dialect.name, self._table),
                {
                    "scope": scope,
                    "key": key,
                    "event_id": event_id,
                    "reason": f"{letter.error_type}: {letter.error}"[:500],
                    "since": letter.at,
                },
            )
        _log.error("access_quarantined", scope=scope, key=key, event_id=event_id)


def follow_access(
    router: EventRouter,
    topics: Iterable[str],
    handler: Handler,
    batch_handler: BatchHandler,
    quarantine: Quarantine,
) -> None:
    """Subscribe a worker to what the read model follows on ``topics``."""
    for topic in topics:
        router.on(
            topic,
            handler,
            purpose="access",
            event_types=ACCESS_EVENT_TYPES,
            batch_handler=batch_handler,
            on_dead_letter=quarantine,
        )
