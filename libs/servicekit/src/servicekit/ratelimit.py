"""Rate limits per caller and endpoint. A refused call gets 429 with ``Retry-After``.

:class:`DatabaseLimiter` counts in the service's database (the ``rate_limits`` table), so every
copy of an api shares one count: N copies do not let N times the calls through. The count is
per fixed window (a minute): one upsert per call, old windows swept away.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import is_sqlite
from servicekit.problems import RateLimited


class DatabaseLimiter:
    """At most ``limit`` calls per key in each window of ``window_s`` seconds, counted in the
    database every copy of the api shares."""

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.time,
        sweep_every_s: float = 60.0,
    ) -> None:
        self.limit = limit
        self.window_s = int(window_s)
        self._engine = engine
        self._table = table
        self._clock = clock
        self._sweep_every_s = sweep_every_s
        self._swept_at = 0.0
        self._insert = sqlite.insert if is_sqlite(str(engine.url)) else postgresql.insert

    async def check(self, key: str) -> None:
        """Count a call; raise :class:`RateLimited` past the limit (the call is counted all
        the same: a caller hammering a refused endpoint stays refused)."""
        now = self._clock()
        window = int(now) // self.window_s * self.window_s
        t = self._table
        counted = (
            self._insert(t)
            .values(key=key[:300], window_start=window, hits=1)
            .on_conflict_do_update(
                index_elements=[t.c.key, t.c.window_start], set_={"hits": t.c.hits + 1}
            )
            .returning(t.c.hits)
        )
        async with self._engine.begin() as conn:
            hits = int((await conn.execute(counted)).scalar_one())
            if now - self._swept_at >= self._sweep_every_s:
                self._swept_at = now
                await conn.execute(delete(t).where(t.c.window_start < window - self.window_s))
        if hits > self.limit:
            raise RateLimited(max(1, math.ceil(window + self.window_s - now)))


def limit_by_client(limiter: DatabaseLimiter, name: str) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency limiting calls of one endpoint per client address."""

    async def dependency(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        await limiter.check(f"{name}:{client}")

    return dependency
