"""Liveness and readiness: ``/health/live`` answers while the process runs; ``/health/ready``
runs the readiness checks (database reachable, broker connected, identity's key set usable)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.auth import TokenVerifier
from servicekit.db import reading
from servicekit.errors import SafeError, describe

ReadinessCheck = tuple[str, Callable[[], Awaitable[str | None]]]
"""A name and a check: it raises when not ready, and may return a state to report (else "ok")."""


class NotReady(SafeError):
    """A readiness check's answer, written for the operator who reads ``/health/ready``."""


class Liveness:
    """What the process is busy with, and since when: a step (a fetch's handling, a relay
    batch, a dispatch) that runs longer than ``stall_after_s`` makes ``/health/live`` fail,
    so that the orchestrator restarts a process whose loop is stuck. Idle loops are not
    watched: waiting on a socket is not being stuck."""

    def __init__(self, stall_after_s: float = 300.0) -> None:
        self.stall_after_s = stall_after_s
        self._busy: dict[str, float] = {}

    @contextmanager
    def busy(self, name: str) -> Iterator[None]:
        self._busy[name] = time.monotonic()
        try:
            yield
        finally:
            self._busy.pop(name, None)

    def stalled(self) -> dict[str, float]:
        """The steps running longer than allowed, with how long they have run."""
        now = time.monotonic()
        return {
            name: round(now - since, 1)
            for name, since in self._busy.items()
            if now - since > self.stall_after_s
        }


LIVENESS = Liveness()
"""The process's own (one per process, like its metrics registry)."""


def jwks_check(verifier: TokenVerifier) -> ReadinessCheck:
    """The state of identity's key set: ready while it is fresh or in its grace (or not
    fetched yet: the api's warm-up, or its first token, fetches it), not ready once calls get
    503."""

    async def check() -> str:
        await verifier.refresh_if_stale()
        state = verifier.jwks_state()
        if state.startswith("unavailable"):
            raise NotReady(state)
        return state

    return ("jwks", check)


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> None:
        async with reading(engine) as conn:
            await conn.execute(text("SELECT 1"))

    return ("database", check)


async def run_checks(checks: Sequence[ReadinessCheck]) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    ok = True
    for name, check in checks:
        try:
            results[name] = await check() or "ok"
        except Exception as exc:
            ok = False
            results[name] = f"unavailable: {describe(exc, limit=300)}"
    return ok, results


def health_router(checks: Sequence[ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", summary="The process is running and no loop is stuck")
    async def live() -> JSONResponse:
        stalled = LIVENESS.stalled()
        if stalled:
            return JSONResponse({"status": "stalled", "stalled": stalled}, status_code=503)
        return JSONResponse({"status": "ok"})

    @router.get("/health/ready", summary="The process can serve (its dependencies answer)")
    async def ready() -> JSONResponse:
        ok, results = await run_checks(checks)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results},
            status_code=200 if ok else 503,
            headers={} if ok else {"Retry-After": "5"},
        )

    return router
