"""Drills on the producing side: an api killed after its commit, the relay killed after the
broker's acknowledgement, an outbox row that can never be published, a producer that makes no
progress. Each ends with the oracle: every accepted sign-up mailed exactly once, nothing left
behind."""

from __future__ import annotations

from pathlib import Path

import httpx
from devstack.kafka import KafkaBroker
from drill import (
    ACTIVATION_REQUESTED,
    NOT_NEEDED,
    SERVICES,
    Load,
    all_mailed,
    assert_per_key_order,
    committed_signups,
    copies_by_event,
    fault_log,
    settled,
    sqlite_db,
    topic_records,
)
from servicekit.testing.polling import eventually
from stack_runner import run_platform


async def test_an_api_killed_after_its_commit_loses_no_event(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        process_env={"identity-api": {"SERVICEKIT_FAULTS": "uow.after_commit=kill@4"}},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            for _ in range(3):
                assert await load.sign_up(client) == 201
            assert await load.sign_up(client) is None  # the api died after committing it
            lost = load.unanswered[0]
            assert lost in committed_signups(platform)
            platform.start("identity-api")
            await load.many(client, 4)
        emails = set(load.accepted) | {lost}
        await settled(platform, emails)
        killed = fault_log(platform, "identity-api")
        assert killed["point"] == "uow.after_commit"
    finally:
        platform.stop()


async def test_a_relay_killed_between_the_acknowledgement_and_the_marking_loses_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        process_env={"identity-worker": {"SERVICEKIT_FAULTS": "relay.after_ack=kill@1"}},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 6)

            async def relay_died() -> bool:
                return '"fault_point_reached"' in platform.log("identity-worker")

            await eventually(relay_died, timeout_s=60, message="the relay killed")
            platform.start("identity-worker")
            await load.many(client, 6)
        emails = set(load.accepted)
        await settled(platform, emails)
        # the batch acknowledged before the kill was sent again: its events are twice on the
        # topic (redelivery happened), once in the mailboxes
        records = await topic_records(kafka_bootstrap, "identity.account")
        mine = [r for r in records if r.key.decode() in _account_ids(platform)]
        assert max(copies_by_event(mine).values()) == 2
        assert_per_key_order(mine, "identity.account.registered.v1", ACTIVATION_REQUESTED)
    finally:
        platform.stop()


def _account_ids(platform: object) -> set[str]:
    import sqlite3

    db = sqlite_db(platform, "identity")  # type: ignore[arg-type]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {str(r[0]) for r in conn.execute("SELECT id FROM accounts").fetchall()}


async def test_a_producer_that_makes_no_progress_is_recreated(
    own_broker: KafkaBroker, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        own_broker.bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        env={"IDENTITY_OUTBOX_SEND_TIMEOUT_S": "2", "IDENTITY_OUTBOX_PRODUCER_STALL_AFTER": "2"},
    )
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 3)
            await all_mailed(platform, set(load.accepted))
            own_broker.pause()  # it keeps its connections and answers nothing
            try:
                await load.many(client, 5)  # the api answers: the outbox keeps them

                async def recreated() -> bool:
                    return platform.metric("identity-worker", "outbox_producer_restarts_total") >= 1

                await eventually(recreated, timeout_s=90, interval_s=1, message="a new producer")
            finally:
                own_broker.resume()
            await load.many(client, 3)
        emails = set(load.accepted)
        await settled(platform, emails)
    finally:
        platform.stop()
