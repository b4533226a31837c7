"""Letters on the real notifications processes and a broker of its own: more letters in transit
than the tracker reads in one page are all followed until they are posted."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from devstack.keys import load_or_create_keys
from devstack.pytest_fixtures import start_test_broker
from pypdf import PdfReader
from servicekit.sealing import seal
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

PAGE = 100  # the tracker's page (commands.TrackLetters.page_size)
LETTERS = PAGE + 30


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    folder = tmp_path_factory.mktemp("letters-e2e")
    broker = start_test_broker(folder / "kafka")
    running = run_platform(
        folder / "var",
        broker.bootstrap,
        services=["notifications"],
        env={"NOTIFICATIONS_LETTER_POLL_INTERVAL_S": "0.5"},
    )
    try:
        yield running
    finally:
        running.stop()
        broker.stop()


async def _publish_all(bootstrap: str, events: list[tuple[EventPayload, str]]) -> list[str]:
    """Publish events in order through one producer; return their ids."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    ids: list[str] = []
    try:
        for payload, subject in events:
            envelope = Envelope(
                id=str(uuid.uuid4()),
                type=payload.event_type,
                source="tests",
                time=datetime.now(UTC),
                subject=subject,
            )
            await producer.send_and_wait(
                payload.topic,
                payload.model_dump_json().encode(),
                key=subject.encode(),
                headers=envelope.to_headers(),
            )
            ids.append(envelope.id)
    finally:
        await producer.stop()
    return ids


def _affiliate(affiliate_id: str) -> identity_v1.AffiliateRegisteredV1:
    return identity_v1.AffiliateRegisteredV1(
        affiliate_id=affiliate_id,
        siren="732829320",
        birth_name="Dupont",
        first_names="Jean",
        category="artisan",
        address=PostalAddress(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon"),
        departement="69",
        affiliated_on=date(2020, 1, 1),
    )


def _key_issued(
    platform: RunningPlatform, affiliate_id: str, reference: str, supersedes: str | None = None
) -> mandates_v1.MandateKeyIssuedV1:
    public_key = load_or_create_keys(platform.cfg.var / "keys")["seal_public"]
    return mandates_v1.MandateKeyIssuedV1(
        mandate_id=f"m-{reference}",
        affiliate_id=affiliate_id,
        cabinet_id="cab-1",
        cabinet_name="Cabinet Martin",
        sealed_key=seal(public_key, "ACDE-FGHJ-KMNP-QRTU"),
        reference=reference,
        issued_at=datetime.now(UTC),
        supersedes_event_id=supersedes,
    )


def _statuses(platform: RunningPlatform, kind: str = "activation_key_letter") -> dict[str, str]:
    db = platform.cfg.var / "db" / "notifications.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute(
            "SELECT id, letter_status FROM deliveries WHERE kind = ? AND state = 'sent'", (kind,)
        ).fetchall()
    return {str(i): str(s) for i, s in rows}


def _move(manifest: Path, status: str) -> None:
    data = json.loads(manifest.read_text())
    data["status"] = status
    tmp = manifest.with_name(f".{manifest.name}.tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(manifest)


async def test_more_letters_in_transit_than_one_page_are_all_followed_until_posted(
    platform: RunningPlatform,
) -> None:
    affiliate_id = f"aff-{uuid.uuid4().hex[:8]}"
    events: list[tuple[EventPayload, str]] = [(_affiliate(affiliate_id), affiliate_id)]
    events += [
        (_key_issued(platform, affiliate_id, f"MND-T{i:04d}"), affiliate_id) for i in range(LETTERS)
    ]
    await _publish_all(platform.cfg.kafka_bootstrap, events)

    async def all_queued() -> bool:
        statuses = _statuses(platform)
        return len(statuses) == LETTERS and set(statuses.values()) == {"queued"}

    await eventually(all_queued, timeout_s=120, message=f"{LETTERS} letters queued")
    letters = platform.cfg.var / "letters"
    ids = set(_statuses(platform))
    for status in ("printed", "posted"):
        for delivery_id in ids:
            _move(letters / f"{delivery_id}.json", status)

        async def all_moved(status: str = status) -> bool:
            statuses = _statuses(platform)
            return set(statuses) == ids and set(statuses.values()) == {status}

        await eventually(all_moved, timeout_s=60, message=f"every letter {status}")


async def test_a_key_reissued_while_its_first_letter_is_queued_takes_that_letter_back(
    platform: RunningPlatform,
) -> None:
    affiliate_id = f"aff-{uuid.uuid4().hex[:8]}"
    bootstrap = platform.cfg.kafka_bootstrap
    [_, first_event] = await _publish_all(
        bootstrap,
        [
            (_affiliate(affiliate_id), affiliate_id),
            (_key_issued(platform, affiliate_id, "MND-R0001"), affiliate_id),
        ],
    )
    letters = platform.cfg.var / "letters"

    def manifests() -> dict[str, dict[str, object]]:
        found: dict[str, dict[str, object]] = {}
        for path in letters.glob("*.json"):
            data = json.loads(path.read_text())
            if str(data["reference"]).startswith("MND-R0001-"):
                found[str(data["message_id"])] = data
        return found

    async def first_queued() -> dict[str, dict[str, object]]:
        return manifests()

    [first_id] = await eventually(first_queued, timeout_s=60, message="the first key letter")
    await _publish_all(
        bootstrap,
        [(_key_issued(platform, affiliate_id, "MND-R0001", supersedes=first_event), affiliate_id)],
    )

    async def both() -> dict[str, dict[str, object]] | None:
        found = manifests()
        return found if len(found) == 2 and found[first_id]["status"] == "withdrawn" else None

    found = await eventually(both, timeout_s=60, message="the first letter withdrawn")
    [second_id] = set(found) - {first_id}
    assert found[second_id]["status"] == "queued"
    assert found[first_id]["reference"] != found[second_id]["reference"]
    assert not (letters / f"{first_id}.pdf").exists()
    assert (letters / f"{second_id}.pdf").exists()

    async def recorded() -> bool:  # a letter is recorded just after its hand-over
        statuses = _statuses(platform)
        return (statuses.get(first_id), statuses.get(second_id)) == ("withdrawn", "queued")

    await eventually(recorded, timeout_s=30, message="both letters recorded")
    pdf = PdfReader(BytesIO((letters / f"{second_id}.pdf").read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Entreprise concernée : Jean Dupont, SIREN 732 829 320." in text
    assert "Cette lettre remplace celle que nous vous avons adressée" in text
