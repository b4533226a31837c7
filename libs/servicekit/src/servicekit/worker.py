"""The worker process: FastStream consumers, the outbox relay, ``/metrics`` and health.

Built as an ``AsgiFastStream`` app served by uvicorn, so operators get one port per worker
with ``/health/live``, ``/health/ready``, ``/metrics`` and the AsyncAPI docs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from faststream.asgi import AsgiFastStream, AsgiResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import make_asgi_app

from servicekit.health import ReadinessCheck, run_checks
from servicekit.logging import get_logger
from servicekit.messaging import EventRouter

_log = get_logger(__name__)


class BackgroundLoop(Protocol):
    """A long-running job of the worker (the outbox relay, a dispatcher)."""

    async def run(self) -> None: ...
    def stop(self) -> None: ...


class PeriodicLoop:
    """Runs ``step`` again and again: at once when it did work, else after ``interval_s``
    (or earlier when woken). A failing step is logged and retried at the next tick."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[int]], interval_s: float = 0.2
    ) -> None:
        self.name = name
        self._step = step
        self._interval_s = interval_s
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            done = 0
            try:
                done = await self._step()
            except Exception as exc:
                _log.warning("background_step_failed", loop=self.name, error=repr(exc))
            if done:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._interval_s)


def _json(status: int, body: dict[str, Any]) -> AsgiResponse:
    return AsgiResponse(
        json.dumps(body).encode(),
        status_code=status,
        headers={"content-type": "application/json"},
    )


def _health_apps(checks: Sequence[ReadinessCheck]) -> list[tuple[str, Any]]:
    async def live(scope: Any, receive: Any, send: Any) -> None:
        await _json(200, {"status": "ok"})(scope, receive, send)

    async def ready(scope: Any, receive: Any, send: Any) -> None:
        ok, results = await run_checks(checks)
        body = {"status": "ok" if ok else "unavailable", "checks": results}
        await _json(200 if ok else 503, body)(scope, receive, send)

    return [("/health/live", live), ("/health/ready", ready)]


def broker_check(broker: KafkaBroker) -> ReadinessCheck:
    async def check() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("broker unreachable")

    return ("broker", check)


def create_worker_app(
    *,
    broker: KafkaBroker,
    router: EventRouter,
    loops: Sequence[BackgroundLoop],
    checks: Sequence[ReadinessCheck],
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    title: str = "worker",
) -> AsgiFastStream:
    tasks: list[asyncio.Task[None]] = []
    router.attach(broker)

    async def start_loops() -> None:
        tasks.extend(asyncio.create_task(loop.run()) for loop in loops)

    async def stop_loops() -> None:
        for loop in loops:
            loop.stop()
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                task.cancel()

    app = AsgiFastStream(
        broker,
        asgi_routes=[*_health_apps([*checks, broker_check(broker)]), ("/metrics", make_asgi_app())],
        on_startup=list(on_startup),
        after_startup=[start_loops],
        on_shutdown=[router.flush, stop_loops, *on_shutdown],
        asyncapi_path="/docs/asyncapi",
        specification=AsyncAPI(broker, title=title, version="1.0.0"),
        logger=None,
    )
    return app
