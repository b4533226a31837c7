"""How long the messaging tables keep their rows, and the job that deletes older ones.

- published (and discarded) outbox rows: ``outbox_retention_days`` (default 7) after
  publication — long enough to audit what went out, and rows are never needed again once the
  broker has them;
- inbox rows: ``inbox_retention_days`` (default 30). This must stay longer than the topics'
  retention (7 days in ``deploy/``): an event can only be delivered again while the broker
  still holds it, even after a consumer group is reset to offset 0, and its inbox row must
  outlive that;
- replayed dead letters: ``dead_letters_retention_days`` (default 90); those not replayed are
  kept until an operator acts.

Deletes run in chunks so that no transaction holds the database for long.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.clock import Clock
from servicekit.logging import get_logger
from servicekit.tables import OUTBOX_DISCARDED, OUTBOX_PUBLISHED, MessagingTables

_log = get_logger(__name__)
_CHUNK = 5000


class Retention:
    def __init__(
        self,
        engine: AsyncEngine,
        tables: MessagingTables,
        clock: Clock,
        *,
        outbox_days: float = 7,
        inbox_days: float = 30,
        dead_letters_days: float = 90,
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._clock = clock
        self._outbox = timedelta(days=outbox_days)
        self._inbox = timedelta(days=inbox_days)
        self._dead_letters = timedelta(days=dead_letters_days)

    async def purge(self) -> int:
        """Delete one chunk of each kind of expired row; return how many went."""
        now = self._clock.now()
        o, i, d = self._tables.outbox, self._tables.inbox, self._tables.dead_letters
        deleted = 0
        async with self._engine.begin() as conn:
            ids = select(o.c.id).where(
                o.c.state.in_((OUTBOX_PUBLISHED, OUTBOX_DISCARDED)),
                o.c.published_at < now - self._outbox,
            )
            result = await conn.execute(delete(o).where(o.c.id.in_(ids.limit(_CHUNK))))
            deleted += result.rowcount or 0
            expired = (
                select(i.c.consumer, i.c.event_id)
                .where(i.c.processed_at < now - self._inbox)
                .limit(_CHUNK)
            )
            result = await conn.execute(
                delete(i).where(tuple_(i.c.consumer, i.c.event_id).in_(expired))
            )
            deleted += result.rowcount or 0
            result = await conn.execute(delete(d).where(d.c.replayed_at < now - self._dead_letters))
            deleted += result.rowcount or 0
        if deleted:
            _log.info("messaging_rows_purged", count=deleted)
        return deleted
