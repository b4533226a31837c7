"""Liveness fails when a loop's step is stuck, not when the loop waits for work."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from servicekit.health import LIVENESS, health_router
from servicekit.loops import PeriodicLoop
from servicekit.testing.polling import eventually


async def test_a_step_that_never_returns_fails_liveness_and_an_idle_loop_does_not() -> None:
    app = FastAPI()
    app.include_router(health_router([]))
    stuck = asyncio.Event()

    async def hangs() -> int:
        await stuck.wait()
        return 0

    async def idle() -> int:
        return 0

    before = LIVENESS.stall_after_s
    LIVENESS.stall_after_s = 0.2
    loops = [PeriodicLoop("idle loop", idle, 0.01), PeriodicLoop("stuck loop", hangs, 0.01)]
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:

            async def stalled() -> dict[str, object] | None:
                resp = await client.get("/health/live")
                return resp.json() if resp.status_code == 503 else None

            body = await eventually(stalled, timeout_s=10, message="liveness failing")
            assert set(body["stalled"]) == {"stuck loop"}  # type: ignore[arg-type]
            stuck.set()

            async def alive() -> bool:
                return (await client.get("/health/live")).status_code == 200

            await eventually(alive, timeout_s=10, message="liveness back once the step ends")
    finally:
        LIVENESS.stall_after_s = before
        stuck.set()
        for loop in loops:
            loop.stop()
        await asyncio.gather(*tasks)
