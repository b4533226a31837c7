"""Drills on the consuming side, aimed at notifications' worker (the consumer whose effects
are mails): killed after its database commit and before its offset commit, killed in the
middle of a handler, stopped with SIGTERM while busy, a second copy joining and leaving the
group, a consumer frozen long enough for the lag alert to fire."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
from contracts.identity.v1 import AccountActivationRequestedV1
from devstack.platform import wait_ready
from devstack.ports import free_port
from devstack.processes import python_module, spawn, terminate
from drill import (
    NOT_NEEDED,
    SERVICES,
    Load,
    all_mailed,
    assert_mailed_exactly_once,
    count,
    fault_log,
    quiet,
    settled,
    sqlite_db,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

WORKER = "notifications-worker"
ACTIVATION_REQUESTED = AccountActivationRequestedV1.event_type


async def _died(platform: RunningPlatform, name: str) -> None:
    async def logged() -> bool:
        return '"fault_point_reached"' in platform.log(name)

    await eventually(logged, timeout_s=60, message=f"{name} killed at its fault point")


async def test_a_consumer_killed_after_its_commit_and_before_its_offsets_redelivers_harmlessly(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        process_env={WORKER: {"SERVICEKIT_FAULTS": "consumer.before_offset_commit=kill@1"}},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 3)
            await _died(platform, WORKER)
            in_hand = fault_log(platform, WORKER)["event_ids"]
            platform.start(WORKER)
            await load.many(client, 3)
        emails = set(load.accepted)
        await settled(platform, emails)
        # the fetch whose effects were committed came back, and the inbox dropped it
        duplicates = platform.metric(WORKER, "inbox_duplicates_total", consumer="notifications")
        assert duplicates >= len(in_hand) > 0
    finally:
        platform.stop()


async def test_a_consumer_killed_in_the_middle_of_a_handler_applies_the_event_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        process_env={WORKER: {"SERVICEKIT_FAULTS": "consumer.mid_handler=kill@1"}},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 3)
            await _died(platform, WORKER)
            in_hand = set(fault_log(platform, WORKER)["event_ids"])
            assert in_hand
            db = sqlite_db(platform, "notifications")
            among = f"IN ({','.join('?' * len(in_hand))})"
            planned = f"SELECT count(*) FROM deliveries WHERE source_event_id {among}"
            applied = f"SELECT count(*) FROM inbox WHERE event_id {among}"
            mailing = f"{applied} AND event_type = '{ACTIVATION_REQUESTED}'"
            # the killed transaction left nothing: neither its effect nor its inbox row
            assert count(db, planned, *in_hand) == 0
            assert count(db, applied, *in_hand) == 0
            platform.start(WORKER)
            await load.many(client, 3)
        emails = set(load.accepted)
        await settled(platform, emails)
        # the events in hand were delivered again and applied once by the new process: a
        # firm's registration keeps the directory (no mail), its activation request is a mail
        assert count(db, applied, *in_hand) == len(in_hand)
        assert count(db, planned, *in_hand) == count(db, mailing, *in_hand)
    finally:
        platform.stop()


async def test_a_consumer_stopped_while_busy_finishes_commits_and_leaves_nothing_to_redo(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 4)
            await all_mailed(platform, set(load.accepted))
            burst = asyncio.gather(*(load.sign_up(client) for _ in range(20)))
            db = sqlite_db(platform, "notifications")

            async def busy() -> bool:
                return count(db, "SELECT count(*) FROM deliveries") >= 8

            await eventually(busy, timeout_s=60, message="the worker busy with the burst")
            platform.terminate(WORKER)
            assert "Application shutdown complete" in platform.log(WORKER)
            assert set(await burst) == {201}
            platform.start(WORKER)
        emails = set(load.accepted)
        await settled(platform, emails)
        # what the stopped worker had done, it had committed: nothing came back twice
        assert platform.metric(WORKER, "inbox_duplicates_total") == 0
    finally:
        platform.stop()


async def test_a_second_consumer_joining_and_leaving_mid_stream_changes_no_effect(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 5)
            platform.start(WORKER, as_name="notifications-worker-2")
            await load.many(client, 10)
            platform.terminate("notifications-worker-2")
            await load.many(client, 5)
        emails = set(load.accepted)
        await settled(platform, emails)
        second = platform.log("notifications-worker-2")
        assert '"consumer_partitions_assigned"' in second  # it did take a share
    finally:
        platform.stop()


async def test_a_frozen_consumer_raises_the_lag_alert_and_catches_up_after(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    port = free_port()
    watch = spawn(
        "lagwatch",
        python_module("servicekit.lagwatch"),
        {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "LAGWATCH_PORT": str(port),
            "LAGWATCH_INTERVAL_S": "1",
            "LAGWATCH_ALERT_AFTER_S": "5",
            "LAGWATCH_GROUP_PREFIXES": "notifications.deliveries",
            "LOG_JSON": "true",
        },
        platform.cfg.var / "log",
        platform.cfg.root,
    )
    url = f"http://127.0.0.1:{port}"
    load = Load()
    try:
        wait_ready(f"{url}/health/live", watch)
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 2)
            await all_mailed(platform, set(load.accepted))
            platform.pause(WORKER)  # frozen: it consumes nothing and reports nothing
            try:
                await load.many(client, 4)

                async def alert() -> list[dict[str, object]]:
                    alerts = (await client.get(f"{url}/alerts")).json()["alerts"]
                    return [
                        a
                        for a in alerts
                        if a["group"] == "notifications.deliveries" and int(str(a["lag"])) >= 4
                    ]

                await eventually(alert, timeout_s=60, interval_s=1, message="the lag alert")
            finally:
                platform.resume(WORKER)
        emails = set(load.accepted)
        await all_mailed(platform, emails)
        await quiet(platform)

        async def resolved() -> bool:
            async with httpx.AsyncClient(timeout=5) as watcher:
                alerts = (await watcher.get(f"{url}/alerts")).json()["alerts"]
            return not alerts

        await eventually(resolved, timeout_s=60, interval_s=1, message="the alert resolved")
        assert_mailed_exactly_once(platform, emails)
        log = Path(watch.log).read_text()
        assert '"consumer_lag_alert_firing"' in log
        assert '"consumer_lag_alert_resolved"' in log
    finally:
        terminate(watch.pid)
        platform.stop()
