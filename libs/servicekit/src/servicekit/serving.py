"""uvicorn's server, woken once a second instead of ten times when nothing happens.

uvicorn's main loop sleeps 0.1 s between two looks at its exit flag (and refreshes its
``Date`` header every tenth look). Twelve processes of an idle platform each woke ten times a
second for it. :class:`QuietServer` looks once a second, refreshes the header at each look,
and is woken at once by the signal that asks it to stop, so shutdown is as quick as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import FrameType
from typing import Any

import uvicorn

TICK_S = 1.0
_TICKS_PER_HEADER = 10  # uvicorn refreshes its Date header when the counter is a multiple of it


class QuietServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_asked: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._exit_asked = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_HEADER) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_asked.wait(), TICK_S)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._exit_asked is not None:
            self._loop.call_soon_threadsafe(self._exit_asked.set)


def serve(app: Any, **options: Any) -> None:
    """``uvicorn.run(app, **options)`` with :class:`QuietServer`, on libuv's event loop and the
    C HTTP parser (uvloop, httptools) unless the options name others: a request and a record
    cost the process less CPU on them than on asyncio's own loop and h11 (docs/performance.md)."""
    options.setdefault("loop", "uvloop")
    options.setdefault("http", "httptools")
    QuietServer(uvicorn.Config(app, **options)).run()
