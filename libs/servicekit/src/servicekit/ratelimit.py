"""Rate limits per caller and endpoint: a sliding window kept in the process's memory.

Each api process counts on its own; behind a gateway or with several copies the gateway's own
limit is the outer guard. A refused call gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

from fastapi import Request

from servicekit.problems import RateLimited


class SlidingWindowLimiter:
    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str) -> None:
        """Count a call; raise :class:`RateLimited` past the limit."""
        now = self._clock()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited(max(1, math.ceil(hits[0] + self.window_s - now)))
        hits.append(now)
        if len(self._hits) > 100_000:
            self._hits = defaultdict(deque, {k: v for k, v in self._hits.items() if v})


def limit_by_client(
    limiter: SlidingWindowLimiter, name: str
) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency limiting calls of one endpoint per client address."""

    async def dependency(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        limiter.check(f"{name}:{client}")

    return dependency
