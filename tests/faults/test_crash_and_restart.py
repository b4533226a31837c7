"""Nothing lost, nothing twice, under faults: 50 firm sign-ups while the notifications worker
is SIGKILLed and restarted once and the Kafka broker is restarted once. Every activation
e-mail arrives exactly once in its mailbox.

A mailbox here is what a mail store keeps: messages told apart by their Message-ID. SMTP
gives no way to learn, after a crash, whether the server accepted the message the worker was
handing over; that one message is sent again with the same Message-ID (ADR 0002). The test
holds the platform to exactly that: one message per firm, and at most one repeated copy, only
for a delivery the restarted worker logged as in doubt."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.kafka import KafkaBroker
from devstack.pytest_fixtures import start_test_broker
from journeys import random_siret, read_mails, signup_body
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.slow]

SIGNUPS = 50


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    """A broker of this test's own: it is restarted, and other tests must not notice."""
    broker = start_test_broker(tmp_path / "kafka")
    try:
        yield broker
    finally:
        broker.stop()


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def test_fifty_signups_through_a_worker_crash_and_a_broker_restart_mail_each_firm_once(
    own_broker: KafkaBroker, tmp_path: Path
) -> None:
    platform: RunningPlatform = run_platform(tmp_path / "var", own_broker.bootstrap)
    rng = random.Random(2026)
    emails = [f"firm{i}.{uuid.uuid4().hex[:6]}@cabinet-test.fr" for i in range(SIGNUPS)]
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            for i, email in enumerate(emails):
                if i == 15:
                    platform.kill("notifications-worker")
                if i == 22:
                    platform.start("notifications-worker")
                if i == 32:
                    own_broker.restart()
                resp = await client.post("/v1/cabinets", json=signup_body(email, random_siret(rng)))
                assert resp.status_code == 201, resp.text

        async def everyone_has_mail() -> bool:
            recipients = {str(m["To"]).lower() for m in read_mails(platform.mail_dir)}
            return all(e.lower() in recipients for e in emails)

        await eventually(everyone_has_mail, timeout_s=180, interval_s=0.5, message="50 mails")

        identity_db = platform.cfg.var / "db" / "identity.db"
        notifications_db = platform.cfg.var / "db" / "notifications.db"

        async def quiet() -> bool:
            pending = _count(identity_db, "SELECT count(*) FROM outbox WHERE state = 'pending'")
            unsent = _count(
                notifications_db, "SELECT count(*) FROM deliveries WHERE state <> 'sent'"
            )
            return pending == 0 and unsent == 0

        await eventually(quiet, timeout_s=60, interval_s=0.5, message="everything sent")
        sent = _count(notifications_db, "SELECT count(*) FROM deliveries WHERE state = 'sent'")
    finally:
        platform.stop()

    mails = read_mails(platform.mail_dir)
    mailbox: dict[str, set[str]] = defaultdict(set)
    for mail in mails:
        mailbox[str(mail["To"]).lower()].add(str(mail["Message-ID"]))
    assert sent == SIGNUPS
    assert {e.lower() for e in emails} == set(mailbox)
    assert {to: len(ids) for to, ids in mailbox.items() if len(ids) != 1} == {}

    copies = Counter(str(m["Message-ID"]) for m in mails)
    repeated = {mid: n for mid, n in copies.items() if n > 1}
    worker_log = (platform.cfg.var / "log" / "notifications-worker.log").read_text()
    resent_in_doubt = worker_log.count('"delivery_in_doubt_resent"')
    assert sum(n - 1 for n in repeated.values()) <= min(resent_in_doubt, 1), repeated
