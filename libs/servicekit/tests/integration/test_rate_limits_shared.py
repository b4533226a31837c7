"""Rate limits counted in the service's database: every copy of an api shares one count, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from servicekit.db import create_engine
from servicekit.problems import RateLimited
from servicekit.ratelimit import DatabaseLimiter
from servicekit.tables import rate_limits_table
from sqlalchemy import MetaData, func, select


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_two_copies_of_an_api_share_one_count(database_url: str) -> None:
    metadata = MetaData()
    table = rate_limits_table(metadata)
    first, second = create_engine(database_url), create_engine(database_url)
    clock = Clock(1_800_000_000.0)  # a window's start: 30 000 000 minutes
    try:
        async with first.begin() as conn:
            await conn.run_sync(metadata.create_all)
        copies = [DatabaseLimiter(e, table, 3, 60, clock=clock) for e in (first, second)]
        await copies[0].check("verify:203.0.113.7")
        await copies[1].check("verify:203.0.113.7")
        await copies[0].check("verify:203.0.113.7")
        with pytest.raises(RateLimited) as refused:
            await copies[1].check("verify:203.0.113.7")  # the 4th call, on the other copy
        assert refused.value.headers["Retry-After"] == "60"
        await copies[1].check("verify:198.51.100.1")  # another caller has its own count
        clock.now += 45
        with pytest.raises(RateLimited) as still:
            await copies[0].check("verify:203.0.113.7")
        assert still.value.headers["Retry-After"] == "15"  # what remains of the window
        clock.now += 15  # the next window
        await copies[0].check("verify:203.0.113.7")
    finally:
        await first.dispose()
        await second.dispose()


async def test_windows_gone_by_are_swept_away(database_url: str) -> None:
    metadata = MetaData()
    table = rate_limits_table(metadata)
    engine = create_engine(database_url)
    clock = Clock(1_800_000_000.0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        limiter = DatabaseLimiter(engine, table, 5, 60, clock=clock, sweep_every_s=60)
        for caller in range(20):
            await limiter.check(f"login:10.0.0.{caller}")
        clock.now += 180
        await limiter.check("login:10.0.0.99")
        async with engine.connect() as conn:
            left = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        assert left == 1
    finally:
        await engine.dispose()
