"""Across the real processes and the real broker: an assuré adheres to direct debit; on the
debit day the worker's schedule writes the day's pain.008, which holds the instalment; the
bank's return rejects it (AM04): the account shows the instalment rejected and the debt, and
``payment_rejected`` is on ``cotisations.payment`` with the account's standing; the client
received the pre-notification of its debits and, once, the mail of the rejection."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from bus_tools import read_topic
from cotisations_payments import BIC, IBAN, debits_of
from journeys import (
    agent_bearer,
    mails_to,
    signed_up_assure,
    text_of,
)
from servicekit.french import euros
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60


@pytest.fixture
def platform(kafka_bootstrap: str, tmp_path: Path) -> Any:
    running = run_platform(
        tmp_path,
        kafka_bootstrap,
        services=("identity", "notifications", "cotisations"),
        env={
            "COTISATIONS_BUSINESS_DATE": "2026-03-01",
            "COTISATIONS_BANK_FILES_DIR": str(tmp_path / "bank"),
            "COTISATIONS_DEBIT_RUN_INTERVAL_S": "0.5",
        },
    )
    yield running
    running.stop()


async def test_a_rejected_direct_debit_becomes_a_debt_and_is_published(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        _, url, headers, client_email = await signed_up_assure(client, platform)
        adhered = await client.post(
            f"{url}/direct-debit",
            json={"holder": "Jean Dupont", "iban": IBAN, "bic": BIC},
            headers=headers,
        )
        assert adhered.status_code == 201, adhered.text
        debit_day = adhered.json()["effective_from"]
        rum = adhered.json()["current"]["rum"]
        echeancier = (await client.get(url, headers=headers)).json()["echeancier"]
        instalment = next(i for i in echeancier if i["due_date"] == debit_day)

        # the debit day: cotisations' processes see that date; the worker's schedule runs it,
        # two copies of the worker side by side
        on_the_day = {"COTISATIONS_BUSINESS_DATE": debit_day}
        for name in ("cotisations-worker", "cotisations-api"):
            platform.terminate(name)
            platform.start(name, on_the_day)
        platform.start("cotisations-worker", on_the_day, as_name="cotisations-worker-2")
        pain = tmp_path / "bank" / f"pain008-{debit_day.replace('-', '')}.xml"

        async def written() -> bool:
            return pain.exists()

        await eventually(written, timeout_s=DEADLINE_S, message="the debit day's pain.008")
        debits = debits_of(pain.read_bytes())  # valid against the pain.008.001.02 XSD
        (ours,) = [d for d in debits if d["rum"] == rum]
        assert (ours["collection_date"], ours["amount"], ours["iban"]) == (
            debit_day, instalment["amount"], IBAN,
        )  # fmt: skip

        async def pending() -> dict[str, Any] | None:
            account: dict[str, Any] = (await client.get(url, headers=headers)).json()
            debited = any(
                i["due_date"] == debit_day and i["payment"] == "pending"
                for i in account["echeancier"]
            )
            return account if debited else None

        before = await eventually(pending, timeout_s=DEADLINE_S, message="the debit pending")
        assert before is not None
        history = (await client.get(f"{url}/payments", headers=headers)).json()
        assert [p["mode"] for p in history["payments"]] == ["prelevement"]  # debited once
        assert [p.name for p in (tmp_path / "bank").glob("*.xml")] == [pain.name]
        # what the debit pays counts as paid while the bank has not answered
        owed_before = Decimal(before["standing"]["balance_due"])
        owed_after = str(owed_before + Decimal(instalment["amount"]))

        agent = await agent_bearer(platform)
        returned = await client.post(
            f"{platform.api('cotisations')}/v1/operations/bank-returns",
            json={
                "debit_date": debit_day,
                "rejected": [{"end_to_end_id": ours["end_to_end_id"], "reason_code": "AM04"}],
            },
            headers=agent,
        )
        assert returned.status_code == 202, returned.text

        async def rejected() -> dict[str, Any] | None:
            account = (await client.get(url, headers=headers)).json()
            i = next(i for i in account["echeancier"] if i["due_date"] == debit_day)
            return account if i["payment"] == "rejected" else None

        account = await eventually(rejected, timeout_s=DEADLINE_S, message="the rejection")
        assert account is not None
        i = next(i for i in account["echeancier"] if i["due_date"] == debit_day)
        (debt,) = [d for d in account["debts"] if d["reference"] == i["debt"]]
        assert (debt["amount"], debt["state"]) == (instalment["amount"], "overdue")
        assert account["standing"]["balance_due"] == owed_after

        async def published() -> list[dict[str, Any]]:
            events = await read_topic(platform.cfg.kafka_bootstrap, "cotisations.payment")
            return [
                p
                for t, p in events
                if t == "cotisations.payment.payment_rejected.v1"
                and p["affiliate_id"] == url.rsplit("/", 1)[-1]
            ]

        (event,) = await eventually(published, timeout_s=DEADLINE_S, message="payment_rejected")
        assert (event["reason_code"], event["reason_label"]) == ("AM04", "Provision insuffisante")
        assert event["debt"]["amount"] == instalment["amount"]
        assert event["instalment_due_date"] == debit_day
        assert event["standing"]["balance_due"] == owed_after

        async def told() -> list[str] | None:
            subjects = [str(m["subject"]) for m in mails_to(platform.mail_dir, client_email)]
            return subjects if any(s.startswith("Prélèvement rejeté") for s in subjects) else None

        subjects = await eventually(told, timeout_s=DEADLINE_S, message="the rejection's mail")
        assert subjects is not None
        assert [s for s in subjects if s.startswith("Prélèvement rejeté")] == [
            f"Prélèvement rejeté : {euros(instalment['amount'])} restent à régler"
        ]
        assert any(s.startswith("Vos prochains prélèvements") for s in subjects)
        mail = next(
            m
            for m in mails_to(platform.mail_dir, client_email)
            if str(m["subject"]).startswith("Prélèvement rejeté")
        )
        assert "Provision insuffisante" in text_of(mail)
