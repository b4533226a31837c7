"""The worker's background loops (the outbox relay, dispatchers, maintenance)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from servicekit.errors import describe
from servicekit.health import LIVENESS
from servicekit.logging import get_logger

_log = get_logger(__name__)


class BackgroundLoop(Protocol):
    """A long-running job of the worker."""

    async def run(self) -> None: ...
    def stop(self) -> None: ...


class PeriodicLoop:
    """Runs ``step`` again and again: at once when it did work, else after ``interval_s``
    (or earlier when woken). A failing step is logged and retried at the next tick; a step
    running longer than the liveness limit fails ``/health/live``."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[int]], interval_s: float = 0.2
    ) -> None:
        self.name = name
        self._step = step
        self._interval_s = interval_s
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self.steps = 0
        """Steps run so far (done or failed)."""

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            done = 0
            # a wake from here on (work committed while the step looks) ends the next wait at
            # once: the step may have looked before that work existed
            self._wakeup.clear()
            try:
                with LIVENESS.busy(self.name):
                    done = await self._step()
            except Exception as exc:
                _log.warning("background_step_failed", loop=self.name, error=describe(exc))
            self.steps += 1
            if done:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._interval_s)
