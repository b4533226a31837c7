"""Liveness and readiness: ``/health/live`` answers while the process runs; ``/health/ready``
runs the readiness checks (database reachable, broker connected)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ReadinessCheck = tuple[str, Callable[[], Awaitable[None]]]


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return ("database", check)


async def run_checks(checks: Sequence[ReadinessCheck]) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    ok = True
    for name, check in checks:
        try:
            await check()
            results[name] = "ok"
        except Exception as exc:
            ok = False
            results[name] = f"unavailable: {type(exc).__name__}"
    return ok, results


def health_router(checks: Sequence[ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", summary="The process is running")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", summary="The process can serve (its dependencies answer)")
    async def ready() -> JSONResponse:
        ok, results = await run_checks(checks)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results},
            status_code=200 if ok else 503,
            headers={} if ok else {"Retry-After": "5"},
        )

    return router
