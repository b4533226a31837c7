"""Drills on history: every projection of the platform replayed from offset 0 changes nothing
(no mail, no letter, no read-model row), and events for an entity not seen yet, arriving out
of order, leave the newest state."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from bus_tools import publish, rewind_group
from contracts.mandates import v1 as mandates_v1
from drill import dead_letters, sqlite_db
from journeys import (
    activated_login,
    added_client,
    key_from_letter,
    random_siret,
    registered_artisan,
    signup_body,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

PLATFORM_GROUPS = ("identity.", "notifications.", "cotisations.", "mandates.")
WORKERS = ("identity-worker", "notifications-worker", "cotisations-worker", "mandates-worker")


async def _mandate_activated(platform: RunningPlatform, client: httpx.AsyncClient) -> str:
    """A firm adds a registered artisan and types the key of the letter: the account opens
    to it. Returns the cotisations account URL's affilié."""
    rng = random.Random()
    siren, _, _ = await registered_artisan(platform, rng)
    email = f"admin.{uuid.uuid4().hex[:6]}@cabinet-replay.fr"
    signup = await client.post(
        f"{platform.api('identity')}/v1/cabinets",
        json=signup_body(email, random_siret(rng), "Cabinet Rejeu"),
    )
    assert signup.status_code == 201, signup.text
    cabinet_id = signup.json()["cabinet_id"]
    admin = await activated_login(client, platform, email, email)
    clients_url = f"{platform.api('mandates')}/v1/cabinets/{cabinet_id}/clients"
    row = await added_client(client, clients_url, siren, admin)
    key = await key_from_letter(platform, row["id"])

    async def letter_sent() -> bool:
        resp = await client.get(f"{clients_url}/{row['id']}", headers=admin)
        return bool(resp.json()["state"] == "letter_sent")

    await eventually(letter_sent, timeout_s=60, message="the letter status in mandates")
    activated = await client.post(
        f"{clients_url}/{row['id']}/activation", json={"key": key}, headers=admin
    )
    assert activated.status_code == 200, activated.text
    account = f"{platform.api('cotisations')}/v1/accounts/{row['affiliate_id']}"

    async def readable() -> bool:
        return (await client.get(account, headers=admin)).status_code == 200

    await eventually(readable, timeout_s=60, message="the firm reading the account")
    return account


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return sorted(tuple(r) for r in conn.execute(sql).fetchall())


READ_MODELS = {
    "deliveries": ("notifications", "SELECT key, state FROM deliveries"),
    "directory": ("notifications", "SELECT affiliate_id FROM affiliates"),
    "identity access": ("identity", "SELECT mandate_id, active, version FROM access_mandates"),
    "cotisations access": (
        "cotisations",
        "SELECT mandate_id, active, version FROM access_mandates",
    ),
    "subscriptions": (
        "cotisations",
        "SELECT portfolio_id, account_id, subscribed, version FROM access_subscriptions",
    ),
    "accounts": ("cotisations", "SELECT affiliate_id FROM accounts"),
    "instalments": ("cotisations", "SELECT affiliate_id, due_date, amount FROM instalments"),
    "mandates": ("mandates", "SELECT id, state, version FROM mandates"),
    "registry": ("identity", "SELECT count(*) FROM affiliates"),
    "identity outbox": ("identity", "SELECT count(*) FROM outbox"),
    "cotisations outbox": ("cotisations", "SELECT count(*) FROM outbox"),
    "mandates outbox": ("mandates", "SELECT count(*) FROM outbox"),
    "notifications outbox": ("notifications", "SELECT count(*) FROM outbox"),
}


def _state(platform: RunningPlatform) -> dict[str, Any]:
    var = platform.cfg.var
    state: dict[str, Any] = {
        "mails": sorted(p.name for p in (var / "mail").glob("*.eml")),
        "letters": sorted(p.name for p in (var / "letters").glob("*.pdf")),
    }
    for name, (service, sql) in READ_MODELS.items():
        state[name] = _rows(sqlite_db(platform, service), sql)
    return state


async def _caught_up(bootstrap: str) -> bool:
    """Every consumer group of the platform has committed the end of every partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    ends = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await ends.start()
    try:
        for group, *_ in await admin.list_consumer_groups():
            if not str(group).startswith(
                ("identity.", "notifications.", "cotisations.", "mandates.")
            ):
                continue
            offsets = await admin.list_consumer_group_offsets(group)
            end = await ends.end_offsets(list(offsets))
            if any(meta.offset < end[tp] for tp, meta in offsets.items()):
                return False
        return True
    finally:
        await ends.stop()
        await admin.close()


async def _groups(bootstrap: str) -> dict[str, list[str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found: dict[str, list[str]] = {}
        for group, *_ in await admin.list_consumer_groups():
            if str(group).startswith(PLATFORM_GROUPS):
                offsets = await admin.list_consumer_group_offsets(group)
                found[str(group)] = sorted({tp.topic for tp in offsets})
        return found
    finally:
        await admin.close()


async def test_every_projection_replayed_from_offset_zero_changes_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap)
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            account = await _mandate_activated(platform, client)
            await eventually(
                lambda: _caught_up(kafka_bootstrap), timeout_s=60, message="all caught up"
            )
            before = _state(platform)
            groups = await _groups(kafka_bootstrap)
            assert {"identity.access", "cotisations.access", "notifications.deliveries",
                    "mandates.registry"} <= set(groups)  # fmt: skip
            for worker in WORKERS:
                platform.terminate(worker)
            for group, topics in groups.items():
                await rewind_group(kafka_bootstrap, group, topics)
            assert not await _caught_up(kafka_bootstrap)
            for worker in WORKERS:
                platform.start(worker)
            await eventually(
                lambda: _caught_up(kafka_bootstrap), timeout_s=120, message="history replayed"
            )
            after = _state(platform)
            assert after == before
            assert sum(platform.metric(w, "inbox_duplicates_total") for w in WORKERS) > 0
            # and the access it had still stands
            assert before["cotisations access"], before
            del account
    finally:
        platform.stop()


async def test_events_for_a_mandate_not_seen_yet_arriving_out_of_order_leave_the_newest_state(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    platform = run_platform(tmp_path / "var", kafka_bootstrap, services=("identity", "cotisations"))
    mandate, affiliate, cabinet = (f"{p}-{uuid.uuid4().hex[:8]}" for p in ("m", "a", "c"))
    now = datetime.now(UTC)
    common = {"mandate_id": mandate, "affiliate_id": affiliate, "cabinet_id": cabinet,
              "cabinet_name": "Cabinet", "client_name": "Jean Dupont"}  # fmt: skip
    try:
        ended = mandates_v1.MandateEndedV1(**common, ended_by="client", ended_at=now, version=3)
        activated = mandates_v1.MandateActivatedV1(**common, activated_at=now, version=2)
        await publish(kafka_bootstrap, ended, affiliate, "mandates")
        await publish(kafka_bootstrap, activated, affiliate, "mandates")
        sql = f"SELECT active, version FROM access_mandates WHERE mandate_id = '{mandate}'"

        async def both_applied() -> bool:
            return all(
                _rows(sqlite_db(platform, s), sql) == [(0, 3)] for s in ("identity", "cotisations")
            )

        await eventually(both_applied, timeout_s=60, message="the ending kept in both services")
        later = mandates_v1.MandateActivatedV1(**common, activated_at=now, version=4)
        await publish(kafka_bootstrap, later, affiliate, "mandates")

        async def reactivated() -> bool:
            return all(
                _rows(sqlite_db(platform, s), sql) == [(1, 4)] for s in ("identity", "cotisations")
            )

        await eventually(reactivated, timeout_s=60, message="a newer change applied")
        assert dead_letters(platform, "identity") == dead_letters(platform, "cotisations") == 0
        assert json.dumps(common)
    finally:
        platform.stop()
