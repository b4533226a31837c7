"""Across the real processes and the real broker: an assuré's payment recorded by an agent in
cotisations reaches attestations through ``cotisations.payment``; the assuré downloads an
attestation de paiement that counts it and an attestation de vigilance decided on the standing
cotisations published; anyone checks the certificate with its code, with no login, and offline
with the published keys; ``issued`` is on ``attestations.attestation``. Weeks later an
instalment left unpaid, which no payment event announces, reaches attestations through
cotisations' standing sweep and the next vigilance request is refused with the amount."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from attestations.adapters.pdf import payload_of
from attestations.verify import verify_payload
from bus_tools import read_topic
from journeys import agent_bearer, signed_up_assure
from pypdf import PdfReader
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60


@pytest.fixture
def platform(kafka_bootstrap: str, tmp_path: Path) -> Any:
    running = run_platform(
        tmp_path,
        kafka_bootstrap,
        services=("identity", "notifications", "cotisations", "attestations"),
        env={"COTISATIONS_BUSINESS_DATE": "2026-03-01"},
    )
    yield running
    running.stop()


async def test_a_payment_recorded_in_cotisations_is_certified_and_checked_by_its_code(
    platform: RunningPlatform,
) -> None:
    attestations = platform.api("attestations")
    async with httpx.AsyncClient(timeout=30) as client:
        _, url, headers, _ = await signed_up_assure(client, platform)
        affiliate_id = url.rsplit("/", 1)[-1]
        agent = await agent_bearer(platform)
        recorded = await client.post(
            f"{url}/payments",
            json={
                "mode": "cheque",
                "amount": "153.00",
                "value_date": "2026-03-01",
                "reference": "CHQ-0001234",
            },
            headers=agent,
        )
        assert recorded.status_code == 201, recorded.text

        async def certified() -> dict[str, Any] | None:
            resp = await client.post(
                f"{attestations}/v1/attestations",
                json={"affiliate_id": affiliate_id, "kind": "paiement", "year": 2026},
                headers=headers,
            )
            if resp.status_code != 201 or "153,00" not in resp.json()["statement"]:
                return None
            body: dict[str, Any] = resp.json()
            return body

        made = await eventually(
            certified, timeout_s=DEADLINE_S, message="the payment's certificate"
        )
        assert made is not None
        pdf = await client.get(f"{attestations}{made['pdf_url']}", headers=headers)
        assert pdf.headers["content-type"] == "application/pdf"
        assert made["code"] in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

        seen = await client.get(f"{attestations}/v1/verifications/{made['code']}")
        assert seen.status_code == 200
        assert (seen.json()["status"], seen.json()["kind"]) == ("valid", "paiement")
        jwks = (await client.get(f"{attestations}/.well-known/attestations-jwks.json")).json()
        payload = payload_of(pdf.content)
        assert payload is not None
        assert verify_payload(payload, jwks).ok

        # taken over on 1 March, nothing due yet: up to date
        ask = {"affiliate_id": affiliate_id, "kind": "vigilance"}
        vigilance = await client.post(f"{attestations}/v1/attestations", json=ask, headers=headers)
        assert vigilance.status_code == 201, vigilance.text

        # 8 April: the cheque paid March and part of April; the rest of April is overdue and
        # no payment says so: cotisations' sweep publishes it, and the next request is refused
        on_the_day = {"COTISATIONS_BUSINESS_DATE": "2026-04-08"}
        for name in ("cotisations-worker", "cotisations-api"):
            platform.terminate(name)
            platform.start(name, on_the_day)
        owed = (await client.get(url, headers=headers)).json()["standing"]
        assert (owed["up_to_date"], owed["overdue"]) == (False, "76.50"), owed
        swept = await client.post(
            f"{platform.api('cotisations')}/v1/operations/standing-sweeps", headers=agent
        )
        assert swept.status_code == 200, swept.text

        async def refused() -> dict[str, Any] | None:
            resp = await client.post(f"{attestations}/v1/attestations", json=ask, headers=headers)
            body: dict[str, Any] = resp.json()
            return body if resp.status_code == 422 else None

        problem = await eventually(refused, timeout_s=DEADLINE_S, message="the refusal")
        assert problem is not None
        assert problem["reason"] == "unpaid"
        assert "76,50 €" in problem["detail"]
        assert "7 avril 2026" in problem["detail"]  # since when

        async def published() -> list[dict[str, object]]:
            events = await read_topic(platform.cfg.kafka_bootstrap, "attestations.attestation")
            return [
                p
                for t, p in events
                if t == "attestations.attestation.issued.v1"
                and p["attestation_id"] == made["attestation_id"]
            ]

        (event,) = await eventually(published, timeout_s=DEADLINE_S, message="issued")
        assert (event["affiliate_id"], event["kind"]) == (affiliate_id, "paiement")
