"""Drills on PostgreSQL: the database unavailable for seconds under load (nothing
dead-lettered, everything applied once), and two relay copies of one service whose leader
freezes past its lease (the other takes over, the stale one is fenced out, order per key
holds)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from devstack.postgres import PostgresServer
from drill import (
    ACTIVATION_REQUESTED,
    NOT_NEEDED,
    SERVICES,
    Load,
    all_mailed,
    assert_per_key_order,
    db_count,
    log_count,
    settled,
    topic_records,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = pytest.mark.postgres

REGISTERED = "identity.account.registered.v1"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def _block(server: PostgresServer, database: str, allow: bool) -> None:
    conn = await asyncpg.connect(_plain(server.url))
    try:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await conn.close()


async def test_the_database_unavailable_for_seconds_dead_letters_nothing(
    kafka_bootstrap: str,
    tmp_path: Path,
    postgres_server: PostgresServer,
    postgres_database_factory: Callable[[], Awaitable[str]],
) -> None:
    url = await postgres_database_factory()
    database = url.rpartition("/")[2]
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        database_urls={"notifications": url},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 4)
            await all_mailed(platform, set(load.accepted))
            await _block(postgres_server, database, allow=False)
            blocked_at = time.monotonic()
            try:
                await load.many(client, 6)

                async def outage_felt() -> bool:
                    failed = log_count(platform, "notifications-worker", "consumer_handler_failed")
                    failed += log_count(platform, "notifications-worker", "consumer_batch_failed")
                    return failed > 0 and time.monotonic() - blocked_at >= 5

                await eventually(outage_felt, timeout_s=60, interval_s=0.5, message="outage")
            finally:
                await _block(postgres_server, database, allow=True)
            await load.many(client, 4)
        emails = set(load.accepted)
        await settled(platform, emails)
        assert await db_count(platform, "notifications", "SELECT count(*) FROM dead_letters") == 0
        assert '"transient": true' in platform.log("notifications-worker")
    finally:
        platform.stop()


async def _lease(platform: RunningPlatform, url: str) -> tuple[str, int]:
    """Which worker holds identity's outbox lease (by its pid), and its fencing token."""
    conn = await asyncpg.connect(_plain(url))
    try:
        row = await conn.fetchrow("SELECT holder, token FROM outbox_lease")
    finally:
        await conn.close()
    assert row is not None
    pid = int(str(row["holder"]).split(":")[1])
    [name] = [n for n, p in platform.processes.items() if p.pid == pid]
    return name, int(row["token"])


async def test_a_relay_leader_frozen_past_its_lease_is_replaced_and_fenced_out(
    kafka_bootstrap: str,
    tmp_path: Path,
    postgres_database_factory: Callable[[], Awaitable[str]],
) -> None:
    url = await postgres_database_factory()
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        database_urls={"identity": url},
        env={"IDENTITY_OUTBOX_LEASE_TTL_S": "3"},
    )
    platform.start("identity-worker", as_name="identity-worker-2")
    workers = ("identity-worker", "identity-worker-2")
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 4)
            await all_mailed(platform, set(load.accepted))
            leader, token = await _lease(platform, url)
            other = next(w for w in workers if w != leader)
            platform.pause(leader)
            try:
                await load.many(client, 6)

                async def taken_over() -> bool:
                    holder, now = await _lease(platform, url)
                    return holder == other and now > token

                await eventually(taken_over, timeout_s=60, message="the lease taken over")
                await all_mailed(platform, set(load.accepted))  # the new leader publishes
            finally:
                platform.resume(leader)

            async def stepped_down() -> bool:
                return log_count(platform, leader, "lease_lost") > 0

            await eventually(stepped_down, timeout_s=60, message="the stale leader fenced out")
            await load.many(client, 4)
        emails = set(load.accepted)
        await settled(platform, emails)
        records = await topic_records(kafka_bootstrap, "identity.account")
        assert_per_key_order(records, REGISTERED, ACTIVATION_REQUESTED)
        assert (await _lease(platform, url))[0] == other
    finally:
        platform.stop()
