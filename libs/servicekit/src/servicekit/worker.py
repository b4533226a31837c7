"""The worker process: FastStream consumers, the outbox relay, ``/metrics`` and health.

Built as an ``AsgiFastStream`` app served by uvicorn, so operators get one port per worker
with ``/health/live``, ``/health/ready``, ``/metrics`` and the AsyncAPI docs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream.asgi import AsgiFastStream, AsgiResponse
from faststream.kafka import KafkaBroker
from prometheus_client import make_asgi_app

from servicekit.health import ReadinessCheck, run_checks
from servicekit.logging import get_logger
from servicekit.relay import OutboxRelay

_log = get_logger(__name__)


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
    relay: OutboxRelay | None,
    checks: Sequence[ReadinessCheck],
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    title: str = "worker",
) -> AsgiFastStream:
    tasks: list[asyncio.Task[None]] = []

    async def start_relay() -> None:
        if relay is not None:
            tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))

    async def stop_relay() -> None:
        if relay is not None:
            relay.stop()
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                task.cancel()

    app = AsgiFastStream(
        broker,
        asgi_routes=[*_health_apps([*checks, broker_check(broker)]), ("/metrics", make_asgi_app())],
        on_startup=list(on_startup),
        after_startup=[start_relay],
        on_shutdown=[stop_relay, *on_shutdown],
        asyncapi_path="/docs/asyncapi",
        logger=None,
    )
    return app
