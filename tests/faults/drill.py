"""What the fault drills share: the load (firms signing up, each owed one activation mail),
the oracles (every accepted sign-up mailed exactly once, nothing left behind, per-key order
on the topics), and reading the databases and topics the way an operator would."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from journeys import random_siret, read_mails, signup_body
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform

ACTIVATION_REQUESTED = "identity.account.activation_requested.v1"
SERVICES = ("identity", "notifications")
NOT_NEEDED = ("notifications-api",)  # the drills read notifications' effects, not its api


@dataclass
class Load:
    """Firm sign-ups: those answered 201, and those whose answer was lost (the api died)."""

    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    accepted: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    def email(self) -> str:
        return f"firm.{uuid.uuid4().hex[:10]}@cabinet-drill.fr"

    async def sign_up(self, client: httpx.AsyncClient, email: str | None = None) -> int | None:
        email = email or self.email()
        body = signup_body(email, random_siret(self.rng))
        try:
            resp = await client.post("/v1/cabinets", json=body)
        except httpx.TransportError:
            self.unanswered.append(email)
            return None
        if resp.status_code == 201:
            self.accepted.append(email)
        return resp.status_code

    async def many(self, client: httpx.AsyncClient, count: int) -> None:
        for _ in range(count):
            status = await self.sign_up(client)
            assert status == 201, status


def count(db: Path, sql: str, *args: Any) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def sqlite_db(platform: RunningPlatform, service: str) -> Path:
    return platform.cfg.var / "db" / f"{service}.db"


def committed_signups(platform: RunningPlatform) -> set[str]:
    """The e-mails of the firm administrators identity holds (what it committed)."""
    with sqlite3.connect(f"file:{sqlite_db(platform, 'identity')}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT email FROM accounts WHERE kind = 'cabinet_user'").fetchall()
    return {str(r[0]).lower() for r in rows}


async def all_mailed(platform: RunningPlatform, emails: set[str], timeout_s: float = 180) -> None:
    async def arrived() -> bool:
        recipients = {str(m["To"]).lower() for m in read_mails(platform.mail_dir)}
        return emails <= recipients

    await eventually(arrived, timeout_s=timeout_s, interval_s=0.5, message="every mail")


def assert_mailed_exactly_once(platform: RunningPlatform, emails: set[str]) -> None:
    """The oracle: one activation message (one Message-ID) per accepted sign-up, none for
    anyone else, and at most one repeated copy of a message, only for a delivery the worker
    logged as in doubt (ADR 0002)."""
    mails = read_mails(platform.mail_dir)
    mailbox: dict[str, set[str]] = defaultdict(set)
    for mail in mails:
        mailbox[str(mail["To"]).lower()].add(str(mail["Message-ID"]))
    assert set(mailbox) == {e.lower() for e in emails}
    assert {to: len(ids) for to, ids in mailbox.items() if len(ids) != 1} == {}
    copies = Counter(str(m["Message-ID"]) for m in mails)
    repeated = sum(n - 1 for n in copies.values() if n > 1)
    in_doubt = sum(
        Path(p.log).read_text(errors="replace").count('"delivery_in_doubt_resent"')
        for p in platform.processes.values()
        if "notifications-worker" in p.name
    )
    assert repeated <= min(in_doubt, 1), copies


async def db_count(platform: RunningPlatform, service: str, sql: str) -> int:
    """One count from a service's database, whichever backend it runs on."""
    url = platform.cfg.database_url(service)
    if url.startswith("sqlite"):
        return count(sqlite_db(platform, service), sql)
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def quiet(
    platform: RunningPlatform, producers: Sequence[str] = ("identity",), timeout_s: float = 90
) -> None:
    """Nothing left to publish in the outboxes of ``producers``, nothing left to send."""

    async def nothing_left() -> bool:
        for service in producers:
            pending = "SELECT count(*) FROM outbox WHERE state = 'pending'"
            if await db_count(platform, service, pending):
                return False
        unsent = await db_count(
            platform,
            "notifications",
            "SELECT count(*) FROM deliveries WHERE state NOT IN ('sent', 'skipped')",
        )
        return unsent == 0

    await eventually(nothing_left, timeout_s=timeout_s, interval_s=0.5, message="all quiet")


def dead_letters(platform: RunningPlatform, service: str) -> int:
    return count(sqlite_db(platform, service), "SELECT count(*) FROM dead_letters")


async def topic_records(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` from its beginning."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in tps])

        while await behind():
            batch = await consumer.getmany(timeout_ms=1000)
            for part in batch.values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()


def ce(record: Any, name: str) -> str:
    return dict(record.headers).get(name, b"").decode()


def assert_per_key_order(records: list[Any], first: str, then: str) -> None:
    """For every key, the first copy of ``first`` comes before the first copy of ``then``."""
    seen: dict[bytes, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        kind = ce(record, "ce_type")
        if kind not in seen[record.key]:
            seen[record.key].append(kind)
    wrong = {
        k: kinds
        for k, kinds in seen.items()
        if first in kinds and then in kinds and kinds.index(first) > kinds.index(then)
    }
    assert wrong == {}


def copies_by_event(records: list[Any]) -> Counter[str]:
    return Counter(ce(r, "ce_id") for r in records)


def fault_log(platform: RunningPlatform, name: str) -> dict[str, Any]:
    """The ``fault_point_reached`` line a process logged before it died."""
    for line in Path(platform.processes[name].log).read_text(errors="replace").splitlines():
        if '"fault_point_reached"' in line:
            data: dict[str, Any] = json.loads(line)
            return data
    raise AssertionError(f"{name} logged no fault point")


async def publish_raw(
    bootstrap: str,
    topic: str,
    key: bytes,
    value: bytes,
    headers: list[tuple[str, bytes]],
    partition: int | None = None,
) -> None:
    """Put one record on a topic as a (possibly broken) producer would."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers, partition=partition)
    finally:
        await producer.stop()


def envelope_headers(
    kind: str, subject: str, event_id: str | None = None
) -> list[tuple[str, bytes]]:
    from datetime import UTC, datetime

    from contracts.envelope import Envelope

    return Envelope(
        id=event_id or str(uuid.uuid4()),
        type=kind,
        source="identity",
        time=datetime.now(UTC),
        subject=subject,
    ).to_headers()


def log_count(platform: RunningPlatform, name: str, event: str) -> int:
    return platform.log(name).count(f'"{event}"')


async def settled(platform: RunningPlatform, emails: set[str]) -> None:
    """The oracle after the fault: every mail arrived, nothing is left, each exactly once."""
    await all_mailed(platform, emails)
    await quiet(platform)
    assert_mailed_exactly_once(platform, emails)
