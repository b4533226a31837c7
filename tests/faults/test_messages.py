"""Drills on what arrives: poison messages, the same event three times and at another
offset, an event type of a version this code predates. Nothing of it may reach a mailbox
twice, nothing may stall the consumer, and a dead letter is published once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from bus_tools import rewind_group
from drill import (
    ACTIVATION_REQUESTED,
    NOT_NEEDED,
    SERVICES,
    Load,
    all_mailed,
    assert_mailed_exactly_once,
    ce,
    count,
    dead_letters,
    envelope_headers,
    publish_raw,
    quiet,
    settled,
    sqlite_db,
    topic_records,
)
from journeys import agent_bearer
from servicekit.testing.polling import eventually
from stack_runner import run_platform

WORKER = "notifications-worker"
ACCOUNT = "identity.account"


async def test_poison_messages_are_dead_lettered_once_and_the_stream_goes_on(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    load = Load()
    poisons = {
        f"not-json-{uuid.uuid4().hex[:6]}": b"{not json",
        f"wrong-{uuid.uuid4().hex[:6]}": b'{"account_id": "a-1"}',
    }
    try:
        for event_id, value in poisons.items():
            await publish_raw(
                kafka_bootstrap,
                ACCOUNT,
                b"a-1",
                value,
                envelope_headers(ACTIVATION_REQUESTED, "a-1", event_id),
            )
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 3)

            async def both_dead() -> bool:
                return dead_letters(platform, "notifications") == 2

            await eventually(both_dead, timeout_s=60, message="two dead letters recorded")
            # the consumer comes back to them (its group rewound, as after a lost commit)
            platform.terminate(WORKER)
            await rewind_group(kafka_bootstrap, "notifications.deliveries", [ACCOUNT])
            platform.start(WORKER)
            await load.many(client, 2)
        emails = set(load.accepted)
        await all_mailed(platform, emails)
        await quiet(platform)

        async def came_back() -> bool:
            return platform.log(WORKER).count('"consumer_dead_letter_already_recorded"') >= 2

        await eventually(came_back, timeout_s=60, message="the poison seen again")
        assert_mailed_exactly_once(platform, emails)
        dlq = await topic_records(kafka_bootstrap, f"{ACCOUNT}.notifications.dlq")
        mine = [ce(r, "ce_id") for r in dlq if ce(r, "ce_id") in poisons]
        assert sorted(mine) == sorted(poisons)  # each once, however often it came back
        assert dead_letters(platform, "notifications") == 2
    finally:
        platform.stop()


async def test_the_same_event_three_times_and_at_another_offset_mails_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    load = Load()
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 1)
        emails = set(load.accepted)
        await all_mailed(platform, emails)
        records = await topic_records(kafka_bootstrap, ACCOUNT)
        account_ids = _ids(platform)
        [original] = [
            r
            for r in records
            if ce(r, "ce_type") == ACTIVATION_REQUESTED and r.key.decode() in account_ids
        ]
        before = platform.metric(WORKER, "inbox_duplicates_total", consumer="notifications")
        for partition in (original.partition, original.partition, (original.partition + 1) % 3):
            await publish_raw(
                kafka_bootstrap,
                ACCOUNT,
                original.key,
                original.value,
                list(original.headers),
                partition,
            )

        async def dropped() -> bool:
            now = platform.metric(WORKER, "inbox_duplicates_total", consumer="notifications")
            return now - before >= 3

        await eventually(dropped, timeout_s=60, message="three copies dropped by the inbox")
        await quiet(platform)
        assert_mailed_exactly_once(platform, emails)
        assert count(sqlite_db(platform, "notifications"), "SELECT count(*) FROM deliveries") == 1
    finally:
        platform.stop()


async def test_an_event_type_of_an_unknown_version_is_skipped_and_counted(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES, skip=NOT_NEEDED)
    load = Load()
    future = "identity.account.activation_requested.v2"
    try:
        await publish_raw(
            kafka_bootstrap,
            ACCOUNT,
            b"acc-v2",
            json.dumps({"account_id": "acc-v2", "email": "futur@cabinet-drill.fr"}).encode(),
            envelope_headers(future, "acc-v2"),
        )
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 2)
        emails = set(load.accepted)
        await all_mailed(platform, emails)
        await quiet(platform)

        async def counted() -> float:
            return platform.metric(WORKER, "consumer_unknown_event_types_total", event_type=future)

        assert await eventually(counted, timeout_s=30, message="the unknown type counted") == 1
        assert_mailed_exactly_once(platform, emails)
        assert dead_letters(platform, "notifications") == 0
    finally:
        platform.stop()


def _ids(platform: object) -> set[str]:
    import sqlite3

    with sqlite3.connect(f"file:{sqlite_db(platform, 'identity')}?mode=ro", uri=True) as conn:  # type: ignore[arg-type]
        return {str(r[0]) for r in conn.execute("SELECT id FROM accounts")}


async def test_a_replay_moves_the_dead_letters_once_and_those_failing_again_wait(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=SERVICES)
    load = Load()
    poison = f"not-json-{uuid.uuid4().hex[:6]}"
    try:
        await publish_raw(
            kafka_bootstrap, ACCOUNT, b"a-1", b"{not json",
            envelope_headers(ACTIVATION_REQUESTED, "a-1", poison),
        )  # fmt: skip

        async def dead() -> bool:
            return dead_letters(platform, "notifications") == 1

        await eventually(dead, timeout_s=60, message="the dead letter recorded")
        bearer = await agent_bearer(platform)
        async with httpx.AsyncClient(base_url=platform.api("notifications"), timeout=30) as ops:
            for round_ in (1, 2):
                asked = await ops.post(
                    "/v1/operator/dlq-replays", json={"topic": ACCOUNT}, headers=bearer
                )
                assert asked.status_code == 202, asked.text

                async def finished(replay_id: str = asked.json()["replay_id"]) -> dict[str, Any]:
                    resp = await ops.get(f"/v1/operator/dlq-replays/{replay_id}", headers=bearer)
                    return resp.json() if resp.json()["state"] != "pending" else {}

                done = await eventually(finished, timeout_s=60, message=f"replay {round_}")
                assert (done["state"], done["replayed"]) == ("done", 1)

                async def failed_again(expected: int = round_ + 1) -> bool:
                    return dead_letters(platform, "notifications") == expected

                await eventually(failed_again, timeout_s=60, message="the replayed one back")
            listed = await ops.get("/v1/operator/dead-letters", headers=bearer)
            assert [d["event_id"] for d in listed.json()["items"]] == [poison]  # one pending
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 2)
        await settled(platform, set(load.accepted))
        dlq = await topic_records(kafka_bootstrap, f"{ACCOUNT}.notifications.dlq")
        assert [ce(r, "ce_id") for r in dlq] == [poison] * 3
    finally:
        platform.stop()
