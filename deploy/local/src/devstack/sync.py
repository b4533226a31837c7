"""Running a coroutine to completion from synchronous tooling, whatever loop is around.

The coroutine runs in its own thread with its own loop, so it is safe to call from a pytest
fixture while pytest-asyncio holds an event loop in the main thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
