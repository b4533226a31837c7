"""Across the real processes and the real broker: an assuré's payment recorded by an agent in
cotisations reaches attestations through ``cotisations.payment``; the assuré downloads an
attestation de paiement that counts it and an attestation de vigilance decided on the standing
cotisations published; anyone checks the certificate with its code, with no login, and offline
with the published keys; ``issued`` is on ``attestations.attestation``. Weeks later an
instalment left unpaid, which no payment event announces, reaches attestations through
cotisations' standing sweep and the next vigilance request is refused with the amount.

Then the trust a firm is given and taken back: an assuré on direct debit whose firm holds an
active mandate; the firm's collaborator downloads the client's vigilance certificate; the bank
rejects the debit of the debit day and the next request is refused with the reason; the client
revokes the mandate and the firm can no longer read the certificate it downloaded."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from attestations.adapters.pdf import payload_of
from attestations.verify import verify_payload
from bus_tools import read_topic
from cotisations_payments import BIC, IBAN, debits_of
from journeys import agent_bearer, firm_collaborators, signed_up_assure
from pypdf import PdfReader
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60


@pytest.fixture(scope="module")
def platform(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    var = tmp_path_factory.mktemp("var")
    running = run_platform(
        var,
        kafka_bootstrap,
        services=("identity", "notifications", "cotisations", "mandates", "attestations"),
        env={
            "COTISATIONS_BUSINESS_DATE": "2026-03-01",
            "COTISATIONS_BANK_FILES_DIR": str(var / "bank"),
            "COTISATIONS_DEBIT_RUN_INTERVAL_S": "0.5",
        },
    )
    yield running
    running.stop()


def on_business_date(platform: RunningPlatform, day: str) -> None:
    """cotisations' processes restarted on ``day`` (its worker runs that day's debits)."""
    for name in ("cotisations-worker", "cotisations-api"):
        platform.terminate(name)
        platform.start(name, {"COTISATIONS_BUSINESS_DATE": day})


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
        on_business_date(platform, "2026-04-08")
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


async def test_a_rejected_debit_refuses_vigilance_and_a_revoked_firm_loses_the_certificates(
    platform: RunningPlatform,
) -> None:
    attestations = platform.api("attestations")
    async with httpx.AsyncClient(timeout=30) as client:
        siren, url, headers, _ = await signed_up_assure(client, platform)
        affiliate_id = url.rsplit("/", 1)[-1]
        adhered = await client.post(
            f"{url}/direct-debit",
            json={"holder": "Jean Dupont", "iban": IBAN, "bic": BIC},
            headers=headers,
        )
        assert adhered.status_code == 201, adhered.text
        debit_day, rum = adhered.json()["effective_from"], adhered.json()["current"]["rum"]
        _, firm, _ = await firm_collaborators(client, platform, siren, affiliate_id)
        ask = {"affiliate_id": affiliate_id, "kind": "vigilance"}

        async def issued_to_the_firm() -> dict[str, Any] | None:
            resp = await client.post(f"{attestations}/v1/attestations", json=ask, headers=firm)
            body: dict[str, Any] = resp.json()
            return body if resp.status_code == 201 else None

        made = await eventually(
            issued_to_the_firm, timeout_s=DEADLINE_S, message="the firm's certificate"
        )
        assert made is not None
        mine = f"{attestations}/v1/attestations/{made['attestation_id']}"
        assert (await client.get(f"{mine}/pdf", headers=firm)).status_code == 200

        # the debit day: the bank rejects the client's debit
        on_business_date(platform, debit_day)
        pain = platform.cfg.var / "bank" / f"pain008-{debit_day.replace('-', '')}.xml"

        async def the_file() -> bool:
            return pain.exists()

        await eventually(the_file, timeout_s=DEADLINE_S, message=f"the pain.008 of {debit_day}")
        (debit,) = [d for d in debits_of(pain.read_bytes()) if d["rum"] == rum]
        # two working days later, the bank's return: the instalment due on the debit day is
        # then overdue
        returned_on = date.fromisoformat(debit_day) + timedelta(days=2)
        while returned_on.weekday() >= 5:
            returned_on += timedelta(days=1)
        on_business_date(platform, returned_on.isoformat())
        agent = await agent_bearer(platform, "ops.vigilance@urssaf.example")
        returned = await client.post(
            f"{platform.api('cotisations')}/v1/operations/bank-returns",
            json={
                "debit_date": debit_day,
                "rejected": [{"end_to_end_id": debit["end_to_end_id"], "reason_code": "AM04"}],
            },
            headers=agent,
        )
        assert returned.status_code == 202, returned.text

        answers: list[str] = []

        async def refused() -> dict[str, Any] | None:
            resp = await client.post(f"{attestations}/v1/attestations", json=ask, headers=firm)
            body: dict[str, Any] = resp.json()
            answers[:] = [f"{resp.status_code} {resp.text[:300]}"]
            return body if resp.status_code == 422 else None

        try:
            problem = await eventually(refused, timeout_s=DEADLINE_S, message="the refusal")
        except AssertionError as missing:
            raise AssertionError(f"{missing}; the last answer: {answers}") from None
        assert problem is not None
        assert (problem["type"].rsplit("/", 1)[-1], problem["reason"]) == (
            "attestation-refused",
            "unpaid",
        )
        amount = debit["amount"].replace(".", ",")
        assert f"{amount} €" in problem["detail"], problem["detail"]

        # the client revokes the firm's mandate: the firm no longer sees the certificate
        revoked = await client.delete(
            f"{platform.api('mandates')}/v1/me/mandates/current", headers=headers
        )
        assert revoked.status_code == 204, revoked.text

        async def hidden() -> bool:
            return (await client.get(mine, headers=firm)).status_code == 404

        await eventually(hidden, timeout_s=DEADLINE_S, message="the firm's access withdrawn")
        assert (await client.get(f"{mine}/pdf", headers=firm)).status_code == 404
        listed = await client.get(
            f"{attestations}/v1/affiliates/{affiliate_id}/attestations", headers=firm
        )
        assert listed.status_code == 404
        # the client still has it
        assert (await client.get(mine, headers=headers)).status_code == 200
