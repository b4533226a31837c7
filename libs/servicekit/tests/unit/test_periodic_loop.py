"""A background loop woken while its step runs looks again at once, not at its next tick."""

import asyncio

from servicekit.loops import PeriodicLoop
from servicekit.testing.polling import eventually


async def test_a_wake_during_a_step_that_found_nothing_brings_the_next_step_at_once() -> None:
    # the step reads before the work exists, then the work's commit wakes the loop: the next
    # step must come now, not after the interval (a minute here)
    work: list[str] = []
    done: list[str] = []
    loop: PeriodicLoop | None = None

    async def step() -> int:
        found = list(work)
        work.clear()
        if not done and not found:  # the first step: work is committed while it looks
            work.append("committed during the step")
            assert loop is not None
            loop.wake()
        done.extend(found)
        return len(found)

    loop = PeriodicLoop("dispatcher", step, interval_s=60.0)
    task = asyncio.create_task(loop.run())
    try:

        async def handled() -> bool:
            return done == ["committed during the step"]

        await eventually(handled, timeout_s=5, message="the work rung for during a step")
    finally:
        loop.stop()
        await task
