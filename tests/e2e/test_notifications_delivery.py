"""notifications on the real processes and a broker of its own: replaying its topics sends
nothing again, mails wait for an SMTP outage to end, a refused address is parked without
holding the others back, and a key letter lands in the letter folder with its key in no log."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from bus_tools import group_caught_up, publish, rewind_group
from contracts.common import PostalAddress
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from devstack.keys import load_or_create_keys
from devstack.pytest_fixtures import start_test_broker
from journeys import mails_to, random_siret, read_mails, signup_body
from pypdf import PdfReader
from servicekit.sealing import seal
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

BOUNCE = "nobody@bounce.example"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    folder = tmp_path_factory.mktemp("notifications-e2e")
    broker = start_test_broker(folder / "kafka")
    running = run_platform(folder / "var", broker.bootstrap, frozenset({BOUNCE}))
    try:
        yield running
    finally:
        running.stop()
        broker.stop()


def _db(platform: RunningPlatform) -> Path:
    return platform.cfg.var / "db" / "notifications.db"


def _query(platform: RunningPlatform, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{_db(platform)}?mode=ro", uri=True, timeout=30) as conn:
        return list(conn.execute(sql, args).fetchall())


async def _signup(platform: RunningPlatform, email: str) -> None:
    async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
        resp = await client.post(
            "/v1/cabinets", json=signup_body(email, random_siret(random.Random()))
        )
        assert resp.status_code == 201, resp.text


async def _mail_arrives(platform: RunningPlatform, email: str, timeout_s: float = 60) -> None:
    async def arrived() -> bool:
        return bool(mails_to(platform.mail_dir, email))

    await eventually(arrived, timeout_s=timeout_s, message=f"a mail to {email}")


async def test_mails_sent_while_smtp_is_down_arrive_once_it_is_back(
    platform: RunningPlatform,
) -> None:
    email = f"outage.{uuid.uuid4().hex[:6]}@cabinet.fr"
    platform.smtp.stop()
    try:
        await _signup(platform, email)

        async def attempted_and_failed() -> bool:
            rows = _query(
                platform, "SELECT attempts, state FROM deliveries WHERE recipient = ?", email
            )
            return bool(rows) and int(rows[0][0]) >= 1 and rows[0][1] == "pending"  # type: ignore[call-overload]

        await eventually(attempted_and_failed, timeout_s=60, message="a failed attempt")
    finally:
        platform.smtp.start()
    await _mail_arrives(platform, email)
    assert len(mails_to(platform.mail_dir, email)) == 1


async def test_a_refused_address_is_parked_with_its_reason_and_other_mails_go_out(
    platform: RunningPlatform,
) -> None:
    ok = f"ok.{uuid.uuid4().hex[:6]}@cabinet.fr"
    await _signup(platform, BOUNCE)
    await _signup(platform, ok)
    await _mail_arrives(platform, ok)

    async def parked() -> list[tuple[object, ...]]:
        return _query(
            platform, "SELECT state, last_error FROM deliveries WHERE recipient = ?", BOUNCE
        )

    rows = await eventually(parked, timeout_s=60, message="the refused delivery recorded")

    async def is_parked() -> bool:
        return (await parked())[0][0] == "parked"

    await eventually(is_parked, timeout_s=60, message="the refused delivery parked")
    assert "550" in str((await parked())[0][1])
    assert rows
    assert mails_to(platform.mail_dir, BOUNCE) == []


async def test_a_key_letter_lands_in_the_folder_readable_and_its_key_is_in_no_log(
    platform: RunningPlatform,
) -> None:
    bootstrap = platform.cfg.kafka_bootstrap
    affiliate_id = f"aff-{uuid.uuid4().hex[:8]}"
    key = "".join(random.Random().choice("ACDEFGHJKMNPQRTUVWXY34679") for _ in range(16))
    grouped = "-".join(key[i : i + 4] for i in range(0, 16, 4))
    await publish(
        bootstrap,
        identity_v1.AffiliateRegisteredV1(
            affiliate_id=affiliate_id,
            siren="732829320",
            birth_name="Dupont",
            first_names="Jean",
            category="artisan",
            address=PostalAddress(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon"),
            departement="69",
            affiliated_on=date(2020, 1, 1),
        ),
        subject=affiliate_id,
        source="identity",
    )
    public_key = load_or_create_keys(platform.cfg.var / "keys")["seal_public"]
    await publish(
        bootstrap,
        mandates_v1.MandateKeyIssuedV1(
            mandate_id="m-1",
            affiliate_id=affiliate_id,
            cabinet_id="cab-1",
            cabinet_name="Cabinet Martin",
            sealed_key=seal(public_key, grouped),
            reference="MND-000001",
            issued_at=datetime.now(UTC),
        ),
        subject=affiliate_id,
        source="mandates",
    )
    letters = platform.cfg.var / "letters"

    async def the_letter() -> list[Path]:
        return sorted(letters.glob("*.pdf"))

    [pdf] = await eventually(the_letter, timeout_s=60, message="the key letter")
    text = " ".join(PdfReader(BytesIO(pdf.read_bytes())).pages[0].extract_text().split())
    assert grouped in text
    assert "JEAN DUPONT" in text
    assert "69003 LYON" in text
    manifest = pdf.with_suffix(".json").read_text()
    assert grouped not in manifest
    for log in (platform.cfg.var / "log").glob("*.log"):
        assert grouped not in log.read_text(errors="replace"), log.name
        assert key not in log.read_text(errors="replace"), log.name


async def test_replaying_the_topics_from_the_beginning_sends_no_second_mail(
    platform: RunningPlatform,
) -> None:
    emails = [f"replay{i}.{uuid.uuid4().hex[:6]}@cabinet.fr" for i in range(3)]
    for email in emails:
        await _signup(platform, email)
    for email in emails:
        await _mail_arrives(platform, email)
    before = Counter(str(m["To"]).lower() for m in read_mails(platform.mail_dir))
    deliveries_before = _query(platform, "SELECT count(*) FROM deliveries")[0][0]
    bootstrap = platform.cfg.kafka_bootstrap
    topics = ["identity.account", "identity.cabinet", "mandates.mandate", "identity.affiliate"]

    from devstack.processes import terminate

    terminate(platform.processes["notifications-worker"].pid)
    await rewind_group(bootstrap, "notifications.deliveries", topics[:3])
    await rewind_group(bootstrap, "notifications.directory", topics[3:])
    platform.start("notifications-worker")

    async def replayed() -> bool:
        return await group_caught_up(bootstrap, "notifications.deliveries", topics[:3])

    await eventually(replayed, timeout_s=90, interval_s=0.5, message="the replay consumed")
    after = Counter(str(m["To"]).lower() for m in read_mails(platform.mail_dir))
    assert after == before
    assert _query(platform, "SELECT count(*) FROM deliveries")[0][0] == deliveries_before
    assert max(after.values()) == 1


async def test_a_registry_record_becomes_the_address_of_the_key_letter(
    platform: RunningPlatform,
) -> None:
    """partners.registry.affiliation → identity (registry) → identity.affiliate →
    notifications' directory; then a key letter goes to that registry address."""
    from identity_registry_samples import record

    bootstrap = platform.cfg.kafka_bootstrap
    registry_record = record(
        first_names="Marie",
        birth_name="Curie",
        address=PostalAddress(lines=["7 place du Panthéon"], postal_code="75005", city="Paris"),
        departement="75",
    )
    await publish(bootstrap, registry_record, subject=registry_record.siren, source="registry")
    identity_db = platform.cfg.var / "db" / "identity.db"

    async def registered() -> list[tuple[object, ...]]:
        with sqlite3.connect(f"file:{identity_db}?mode=ro", uri=True, timeout=30) as conn:
            return list(conn.execute("SELECT id FROM affiliates WHERE siren = ?", ("732829320",)))

    [(affiliate_id,)] = await eventually(registered, timeout_s=60, message="the affilié")

    async def in_directory() -> list[tuple[object, ...]]:
        return _query(
            platform, "SELECT display_name FROM affiliates WHERE affiliate_id = ?", affiliate_id
        )

    await eventually(in_directory, timeout_s=60, message="the affilié in notifications' directory")
    public_key = load_or_create_keys(platform.cfg.var / "keys")["seal_public"]
    await publish(
        bootstrap,
        mandates_v1.MandateKeyIssuedV1(
            mandate_id="m-2",
            affiliate_id=str(affiliate_id),
            cabinet_id="cab-1",
            cabinet_name="Cabinet Martin",
            sealed_key=seal(public_key, "ACDE-FGHJ-KMNP-QRTU-V"),
            reference="MND-000002",
            issued_at=datetime.now(UTC),
        ),
        subject=str(affiliate_id),
        source="mandates",
    )

    async def letter_text() -> str:
        for pdf in (platform.cfg.var / "letters").glob("*.pdf"):
            text = " ".join(PdfReader(BytesIO(pdf.read_bytes())).pages[0].extract_text().split())
            if "MND-000002" in text:
                return text
        return ""

    text = await eventually(letter_text, timeout_s=60, message="the key letter")
    assert "MARIE CURIE" in text
    assert "7 PLACE DU PANTHÉON" in text
    assert "75005 PARIS" in text
