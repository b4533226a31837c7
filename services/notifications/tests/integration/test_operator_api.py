"""The operator API on a real database and the real broker: who may call it, parked
deliveries, and replaying a dead-letter topic."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from contracts.envelope import Envelope
from notifications.bootstrap import NotificationsApp, bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.http import AUDIENCE, create_app
from servicekit.auth import audience_of
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.polling import eventually
from servicekit.testing.tokens import token, verifier


@dataclass
class Operator:
    client: httpx.AsyncClient
    app: NotificationsApp


@pytest.fixture
async def operator(database_url: str, tmp_path: object) -> AsyncIterator[Operator]:
    private, _ = generate_keypair()
    settings = NotificationsSettings(
        database_url=database_url, seal_private_key=private, letters_dir=str(tmp_path)
    )
    app = bootstrap(settings)
    api = create_app(app, verifier=verifier(audience=AUDIENCE))
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://n") as client:
            yield Operator(client, app)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer nonsense"}, 401),
        ({"Authorization": f"Bearer {token('assure')}"}, 403),
        ({"Authorization": f"Bearer {token('cabinet_user', rights=['admin'])}"}, 403),
        ({"Authorization": f"Bearer {token('agent')}"}, 200),
        ({"Authorization": f"Bearer {token('agent', aud=[AUDIENCE])}"}, 200),
        ({"Authorization": f"Bearer {token('agent', aud=[audience_of('mandates')])}"}, 401),
        ({"Authorization": f"Bearer {token('agent', aud='mon-compte')}"}, 401),
    ],
)
async def test_only_agents_reach_the_operator_endpoints(
    operator: Operator, headers: dict[str, str], status: int
) -> None:
    resp = await operator.client.get("/v1/operator/deliveries", headers=headers)
    assert resp.status_code == status
    if status != 200:
        assert resp.headers["content-type"] == "application/problem+json"


async def test_retrying_an_unknown_delivery_is_a_404(operator: Operator) -> None:
    resp = await operator.client.post(
        "/v1/operator/deliveries/nope/retry",
        headers={"Authorization": f"Bearer {token('agent')}"},
    )
    assert resp.status_code == 404
    assert resp.json()["type"].endswith("/delivery-not-found")


async def test_a_replay_of_a_topic_notifications_does_not_consume_is_refused(
    operator: Operator,
) -> None:
    resp = await operator.client.post(
        "/v1/operator/dlq-replays",
        json={"topic": "bank.sepa_returns"},
        headers={"Authorization": f"Bearer {token('agent')}"},
    )
    assert resp.status_code == 404


@pytest.mark.kafka
async def test_dead_letters_go_back_to_their_topic_once_with_their_original_id(
    operator: Operator, kafka_bootstrap: str
) -> None:
    event_id = f"dead-{uuid.uuid4().hex[:8]}"
    headers = Envelope(
        id=event_id,
        type="identity.account.activated.v1",
        source="identity",
        time=datetime.now(UTC),
        subject="acc-1",
    ).to_headers()
    headers += [("dlq_error", b"RuntimeError('database down')"), ("dlq_attempts", b"5")]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    await producer.send_and_wait(
        "identity.account.notifications.dlq",
        b'{"account_id": "acc-1"}',
        key=b"acc-1",
        headers=headers,
    )
    await producer.stop()
    consumer = AIOKafkaConsumer(
        "identity.account", bootstrap_servers=kafka_bootstrap, auto_offset_reset="latest"
    )
    await consumer.start()
    await consumer.seek_to_end()
    try:
        resp = await operator.client.post(
            "/v1/operator/dlq-replays",
            json={"topic": "identity.account"},
            headers={"Authorization": f"Bearer {token('agent')}"},
        )
        assert resp.status_code == 202, resp.text
        replay_id = resp.json()["replay_id"]
        runtime = operator.app.runtime
        runtime.settings = runtime.settings.model_copy(
            update={"kafka_bootstrap_servers": kafka_bootstrap}
        )
        assert await runtime.carry_out_replay() == 1
        found: list[dict[str, bytes]] = []

        async def replayed() -> bool:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                found.extend(
                    dict(r.headers)
                    for r in records
                    if dict(r.headers).get("ce_id") == event_id.encode()
                )
            return bool(found)

        await eventually(replayed, timeout_s=30, message="the dead letter back on its topic")
        status = await operator.client.get(
            f"/v1/operator/dlq-replays/{replay_id}",
            headers={"Authorization": f"Bearer {token('agent')}"},
        )
        assert status.json()["state"] == "done"
        assert status.json()["replayed"] >= 1
        assert "dlq_error" not in found[0]
        assert found[0]["replayed_from"] == b"identity.account.notifications.dlq"
        # A second request finds nothing left to move.
        again = await operator.client.post(
            "/v1/operator/dlq-replays",
            json={"topic": "identity.account", "limit": 100},
            headers={"Authorization": f"Bearer {token('agent')}"},
        )
        assert await operator.app.runtime.carry_out_replay() == 1
        second = await operator.client.get(
            f"/v1/operator/dlq-replays/{again.json()['replay_id']}",
            headers={"Authorization": f"Bearer {token('agent')}"},
        )
        assert second.json()["replayed"] == 0
    finally:
        await consumer.stop()
    assert json.dumps(status.json())
