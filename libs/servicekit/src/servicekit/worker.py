"""The worker process: FastStream consumers, the outbox relay and the other background loops,
with ``/health/live``, ``/health/ready``, ``/metrics`` and the AsyncAPI document on one port.

The process owns the broker's lifecycle rather than handing it to FastStream's application:
- **start**: the fault points are checked, the schema is migrated or waited for
  (:func:`servicekit.migrations.prepare_schema`), the loops start, and the broker is started
  by a supervisor that retries with back-off. A broker that refuses the process (wrong
  credentials, a missing ACL) never crashes it into a restart loop: the process stays up,
  consumes nothing, and ``/health/ready`` says why;
- **stop** (SIGTERM): the consumers stop taking records, the fetch in hand finishes and its
  offsets are committed (:meth:`EventRouter.drain`), then the broker, the loops and the
  service's own resources stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicekit.errors import describe
from servicekit.health import LIVENESS, NotReady, ReadinessCheck, database_check, run_checks
from servicekit.http import bind_host
from servicekit.kafka_access import BrokerAccess
from servicekit.logging import configure_logging, get_logger
from servicekit.loops import BackgroundLoop, PeriodicLoop
from servicekit.messaging import EventRouter, make_broker
from servicekit.runtime import ServiceRuntime
from servicekit.serving import serve
from servicekit.tracing import configure_tracing

__all__ = ["BackgroundLoop", "PeriodicLoop", "WorkerApp", "serve_worker", "worker_app"]

_log = get_logger(__name__)


class BrokerSupervisor:
    """Starts the broker, again and again until it works; remembers why it did not."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker
        self.error: str | None = "not started yet"
        self.started = False
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            try:
                await self.broker.start()
            except Exception as exc:
                self.error = describe(exc)
                _log.error("broker_start_failed", error=self.error, retry_in_s=delay)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, 30.0)
                continue
            self.error, self.started = None, True
            _log.info("broker_started")
            return

    def stop(self) -> None:
        self._stopping.set()

    async def check(self) -> None:
        if self.error is not None:
            raise NotReady(self.error)
        if not await self.broker.ping(timeout=2.0):
            raise NotReady("broker unreachable")


class WorkerApp:
    """An ASGI app; ``broker`` is there for the AsyncAPI generation."""

    def __init__(
        self,
        *,
        runtime: ServiceRuntime,
        router: EventRouter,
        loops: Sequence[BackgroundLoop],
        checks: Sequence[ReadinessCheck] = (),
        on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
        title: str,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.router = router
        self.title = title
        self.broker = make_broker(
            settings.kafka_bootstrap_servers,
            f"{runtime.name}-worker",
            **settings.faststream_security(),
        )
        router.attach(self.broker)
        self.loops = [*loops, *runtime.maintenance_loops()]
        self.supervisor = BrokerSupervisor(self.broker)
        self.access = BrokerAccess(
            settings.kafka_bootstrap_servers,
            settings.kafka_security(),
            read_topics=router.topics(),
            groups=[g.group for g in router.groups],
        )
        self.checks: list[ReadinessCheck] = [
            database_check(runtime.engine),
            *checks,
            ("broker", self.supervisor.check),
            ("broker access", self.access.check),
        ]
        self.on_shutdown = list(on_shutdown)
        self._tasks: list[asyncio.Task[None]] = []
        self.app = Starlette(
            routes=[
                Route("/health/live", self._live),
                Route("/health/ready", self._ready),
                Route("/metrics", self._metrics),
                Route("/docs/asyncapi", self._asyncapi),
                Route("/docs/asyncapi.json", self._asyncapi),
            ],
            lifespan=self._lifespan,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    # -- lifecycle -------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.runtime.prepare_schema()
        self._tasks = [asyncio.create_task(loop.run()) for loop in self.loops]
        self._tasks.append(asyncio.create_task(self.supervisor.run()))
        try:
            yield
        finally:
            await self._stop()

    async def _stop(self) -> None:
        self.supervisor.stop()
        await self.router.drain(self.runtime.settings.consumer_drain_timeout_s)
        with contextlib.suppress(Exception):
            await self.broker.stop()
        for loop in self.loops:
            loop.stop()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                task.cancel()
            except Exception as exc:
                _log.warning("worker_task_failed", error=describe(exc))
        for hook in self.on_shutdown:
            await hook()

    # -- routes ----------------------------------------------------------------------------
    async def _live(self, _: Request) -> Response:
        stalled = LIVENESS.stalled()
        if stalled:
            return JSONResponse({"status": "stalled", "stalled": stalled}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def _ready(self, _: Request) -> Response:
        ok, results = await run_checks(self.checks)
        body = {"status": "ok" if ok else "unavailable", "checks": results}
        return JSONResponse(
            body, status_code=200 if ok else 503, headers={} if ok else {"Retry-After": "5"}
        )

    async def _metrics(self, _: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def _asyncapi(self, _: Request) -> Response:
        spec = AsyncAPI(self.broker, title=self.title, version="1.0.0")
        return JSONResponse(spec.to_specification().to_jsonable())


def worker_app(
    runtime: ServiceRuntime,
    router: EventRouter,
    *,
    loops: Sequence[BackgroundLoop] = (),
    checks: Sequence[ReadinessCheck] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> WorkerApp:
    """A service's worker: logging and tracing configured, its relay and maintenance loops
    added to ``loops``."""
    name = runtime.name
    settings = runtime.settings
    configure_logging(f"{name}-worker", json=settings.log_json, level=settings.log_level)
    configure_tracing(f"{name}-worker", otlp_endpoint=settings.otlp_endpoint)
    LIVENESS.stall_after_s = settings.liveness_stall_after_s
    return WorkerApp(
        runtime=runtime,
        router=router,
        loops=[*loops, runtime.relay()],
        checks=checks,
        on_shutdown=[*on_shutdown, runtime.dispose],
        title=f"{name} worker",
    )


def serve_worker(build: Callable[[], Any], service: str, default_port: int) -> None:
    """``python -m <service>.entrypoints.worker``: serve the worker on ``<SERVICE>_WORKER_PORT``
    (its health and metrics), on ``BIND_HOST`` like the api."""
    port = int(os.environ.get(f"{service.upper()}_WORKER_PORT", str(default_port)))
    serve(build(), host=bind_host(), port=port, log_config=None, access_log=False)
