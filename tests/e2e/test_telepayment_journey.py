"""Across the real processes and the real broker: an assuré on direct debit whose debit is
rejected owes a debt, is told by mail and is offered « Payer » on it; the assuré adheres to
telepayment and pays the debt from two bank accounts (a retry with the same Idempotency-Key
pays once); the next debit day's pain.008 holds the two parts, the bank settles them, the debt
is settled and the account's standing says so; the client got the telepayment's confirmation;
the bank's feed and the payment topic replayed from offset 0 change nothing. Then a firm's
collaborator with ``pay`` on the client pays such a debt the same way (one without is refused,
403 right-missing) and is sent the confirmation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from bus_tools import group_caught_up, rewind_group
from cotisations_payments import BIC, IBAN, OTHER_BIC, OTHER_IBAN, debits_of
from journeys import (
    agent_bearer,
    firm_collaborators,
    mails_to,
    signed_up_assure,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

DEADLINE_S = 60
Headers = dict[str, str]


@pytest.fixture(scope="module")
def platform(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    var = tmp_path_factory.mktemp("var")
    running = run_platform(
        var,
        kafka_bootstrap,
        services=("identity", "notifications", "cotisations", "mandates"),
        env={
            "COTISATIONS_BUSINESS_DATE": "2026-03-01",
            "COTISATIONS_BANK_FILES_DIR": str(var / "bank"),
            "COTISATIONS_DEBIT_RUN_INTERVAL_S": "0.5",
        },
    )
    try:
        yield running
    finally:
        running.stop()


def on_business_date(platform: RunningPlatform, day: str) -> None:
    """cotisations' processes restarted on ``day``: the worker's schedule runs its debits."""
    for name in ("cotisations-worker", "cotisations-api"):
        platform.terminate(name)
        platform.start(name, {"COTISATIONS_BUSINESS_DATE": day})


async def debit_file(platform: RunningPlatform, day: str) -> list[dict[str, str]]:
    pain = platform.cfg.var / "bank" / f"pain008-{day.replace('-', '')}.xml"

    async def written() -> bool:
        return pain.exists()

    await eventually(written, timeout_s=DEADLINE_S, message=f"the pain.008 of {day}")
    return debits_of(pain.read_bytes())  # valid against the pain.008.001.02 XSD


async def bank_returns(
    client: httpx.AsyncClient,
    platform: RunningPlatform,
    agent: Headers,
    day: str,
    rejected: dict[str, str],
) -> None:
    resp = await client.post(
        f"{platform.api('cotisations')}/v1/operations/bank-returns",
        json={
            "debit_date": day,
            "rejected": [{"end_to_end_id": e, "reason_code": c} for e, c in rejected.items()],
        },
        headers=agent,
    )
    assert resp.status_code == 202, resp.text


async def test_a_rejected_debit_paid_by_telepayment_from_two_accounts(
    platform: RunningPlatform,
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

        # the debit day: its pain.008 holds the instalment; the bank rejects it
        on_business_date(platform, debit_day)
        (debit,) = [d for d in await debit_file(platform, debit_day) if d["rum"] == rum]
        agent = await agent_bearer(platform, f"ops.{uuid.uuid4().hex[:6]}@urssaf.example")
        await bank_returns(client, platform, agent, debit_day, {debit["end_to_end_id"]: "AM04"})

        async def payable_debt() -> dict[str, Any] | None:
            shown = (await client.get(f"{url}/payables", headers=headers)).json()["payables"]
            return next((p for p in shown if p["reference"].startswith("debt:rejection:")), None)

        debt = await eventually(payable_debt, timeout_s=DEADLINE_S, message="the debt")
        assert debt is not None
        assert (debt["amount"], debt["payable"]) == (debit["amount"], True)  # « Payer »
        owed = Decimal((await client.get(url, headers=headers)).json()["standing"]["balance_due"])

        async def told() -> bool:
            subjects = [str(m["subject"]) for m in mails_to(platform.mail_dir, client_email)]
            return any(s.startswith("Prélèvement rejeté") for s in subjects)

        await eventually(told, timeout_s=DEADLINE_S, message="the rejection's mail")

        # telepayment: the debt paid from two bank accounts, retried with the same key
        adhesion = {"holder_name": "Jean Dupont", "address": "1 rue X, 75001 Paris",
                    "iban": IBAN, "bic": BIC, "terms_accepted": True}  # fmt: skip
        signed = await client.post(f"{url}/telepayment", json=adhesion, headers=headers)
        assert signed.status_code == 201, signed.text
        mandate_id = signed.json()["mandate_id"]
        amount = Decimal(debt["amount"])
        first = f"{(amount / 2).quantize(Decimal('0.01'), rounding=ROUND_DOWN):.2f}"
        second = f"{amount - Decimal(first):.2f}"
        parts_asked = [{"iban": IBAN, "amount": first}, {"iban": OTHER_IBAN, "amount": second}]
        body = {"reference": debt["reference"], "parts": parts_asked}
        paying = {**headers, "Idempotency-Key": f"pay-{uuid.uuid4().hex}"}
        paid = await client.post(f"{url}/telepayments", json=body, headers=paying)
        assert paid.status_code == 201, paid.text
        retried = await client.post(f"{url}/telepayments", json=body, headers=paying)
        assert retried.status_code == 201, retried.text
        assert retried.json()["payment_id"] == paid.json()["payment_id"]
        made = (await client.get(f"{url}/payables", headers=headers)).json()["telepayments"]
        assert [p["payment_id"] for p in made] == [paid.json()["payment_id"]]  # paid once

        # the next debit day: its pain.008 holds the two parts; the bank settles them
        next_day = (date.fromisoformat(debit_day) + timedelta(days=1)).isoformat()
        on_business_date(platform, next_day)
        parts = await debit_file(platform, next_day)
        assert [(d["iban"], d["bic"], d["amount"], d["rum"]) for d in parts] == [
            (IBAN, BIC, first, mandate_id),
            (OTHER_IBAN, OTHER_BIC, second, mandate_id),
        ]
        assert len({d["end_to_end_id"] for d in parts}) == 2
        await bank_returns(client, platform, agent, next_day, {})

        async def settled() -> dict[str, Any] | None:
            account: dict[str, Any] = (await client.get(url, headers=headers)).json()
            (d,) = [d for d in account["debts"] if d["reference"] == debt["reference"]]
            return account if d["state"] == "paid" else None

        account = await eventually(settled, timeout_s=DEADLINE_S, message="the debt settled")
        assert account is not None
        shown = (await client.get(f"{url}/payables", headers=headers)).json()
        assert [p["status"] for p in shown["telepayments"]] == ["settled"]
        assert all(p["reference"] != debt["reference"] for p in shown["payables"])
        assert Decimal(account["standing"]["balance_due"]) == owed - Decimal(debt["amount"])

        async def confirmed() -> list[str]:
            return [
                str(m["subject"])
                for m in mails_to(platform.mail_dir, client_email)
                if str(m["subject"]).startswith("Télépaiement enregistré")
            ]

        assert len(await eventually(confirmed, timeout_s=DEADLINE_S, message="the mail")) == 1

        # the bank's feed and the payment topic replayed from offset 0: no balance moves, no
        # mail is sent again
        bootstrap = platform.cfg.kafka_bootstrap
        groups = await groups_reading(bootstrap, REPLAYED)
        assert groups, "a consumer group reads the bank's feed and the payment topic"
        for group, topics in groups.items():
            await eventually(
                partial(group_caught_up, bootstrap, group, topics),
                timeout_s=DEADLINE_S,
                message=f"{group} caught up",
            )
        mails = sorted(p.name for p in platform.mail_dir.glob("*.eml"))
        workers = {"cotisations-worker": {"COTISATIONS_BUSINESS_DATE": next_day},
                   "notifications-worker": {}}  # fmt: skip
        for worker in workers:
            platform.terminate(worker)
        for group, topics in groups.items():
            await rewind_group(bootstrap, group, topics)
        for worker, env in workers.items():
            platform.start(worker, env)
        for group, topics in groups.items():
            await eventually(
                partial(group_caught_up, bootstrap, group, topics),
                timeout_s=DEADLINE_S,
                message=f"{group} replayed",
            )
        replayed = (await client.get(url, headers=headers)).json()
        assert replayed["standing"] == account["standing"]
        assert replayed["debts"] == account["debts"]
        assert sorted(p.name for p in platform.mail_dir.glob("*.eml")) == mails
        assert platform.metric("cotisations-worker", "inbox_duplicates_total") > 0


REPLAYED = ("bank.sepa_returns", "cotisations.payment")


async def groups_reading(bootstrap: str, wanted: tuple[str, ...]) -> dict[str, list[str]]:
    """The platform's consumer groups that read any of the ``wanted`` topics, with those."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found: dict[str, list[str]] = {}
        for group, *_ in await admin.list_consumer_groups():
            offsets = await admin.list_consumer_group_offsets(group)
            topics = sorted({tp.topic for tp in offsets} & set(wanted))
            if topics and str(group).startswith(("cotisations.", "notifications.")):
                found[str(group)] = topics
        return found
    finally:
        await admin.close()


async def test_a_firm_collaborator_with_pay_pays_the_clients_debt_and_one_without_may_not(
    platform: RunningPlatform,
) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        siren, url, headers, _ = await signed_up_assure(client, platform)
        adhered = await client.post(
            f"{url}/direct-debit",
            json={"holder": "Jean Dupont", "iban": IBAN, "bic": BIC},
            headers=headers,
        )
        assert adhered.status_code == 201, adhered.text
        debit_day, rum = adhered.json()["effective_from"], adhered.json()["current"]["rum"]
        affiliate_id = url.rsplit("/", 1)[-1]
        payer, reader, payer_email = await firm_collaborators(client, platform, siren, affiliate_id)
        on_business_date(platform, debit_day)
        (debit,) = [d for d in await debit_file(platform, debit_day) if d["rum"] == rum]
        agent = await agent_bearer(platform, f"ops.{uuid.uuid4().hex[:6]}@urssaf.example")
        await bank_returns(client, platform, agent, debit_day, {debit["end_to_end_id"]: "AC04"})

        async def payable_debt() -> dict[str, Any] | None:
            resp = await client.get(f"{url}/payables", headers=payer)
            shown = resp.json()["payables"] if resp.status_code == 200 else []
            return next((p for p in shown if p["reference"].startswith("debt:rejection:")), None)

        debt = await eventually(payable_debt, timeout_s=DEADLINE_S, message="the debt")
        assert debt is not None
        assert debt["payable"] is True
        # (another account than the first journey's: its namesake holds a mandate on IBAN)
        adhesion = {"holder_name": "Jean Dupont", "address": "1 rue X, 75001 Paris",
                    "iban": OTHER_IBAN, "bic": OTHER_BIC, "terms_accepted": True}  # fmt: skip
        signed = await client.post(f"{url}/telepayment", json=adhesion, headers=payer)
        assert signed.status_code == 201, signed.text
        amount = Decimal(debt["amount"])
        first = f"{(amount / 2).quantize(Decimal('0.01'), rounding=ROUND_DOWN):.2f}"
        second = f"{amount - Decimal(first):.2f}"
        parts_asked = [{"iban": IBAN, "amount": first}, {"iban": OTHER_IBAN, "amount": second}]
        body = {"reference": debt["reference"], "parts": parts_asked}
        refused = await client.post(
            f"{url}/telepayments", json=body, headers={**reader, "Idempotency-Key": "lecteur"}
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("right-missing")
        paid = await client.post(
            f"{url}/telepayments",
            json=body,
            headers={**payer, "Idempotency-Key": f"payeur-{uuid.uuid4().hex}"},
        )
        assert paid.status_code == 201, paid.text

        next_day = (date.fromisoformat(debit_day) + timedelta(days=1)).isoformat()
        on_business_date(platform, next_day)
        parts = await debit_file(platform, next_day)
        ours = [d for d in parts if d["rum"] == signed.json()["mandate_id"]]
        assert [(d["iban"], d["amount"]) for d in ours] == [(IBAN, first), (OTHER_IBAN, second)]
        await bank_returns(client, platform, agent, next_day, {})

        async def settled() -> bool:
            account = (await client.get(url, headers=headers)).json()
            (d,) = [d for d in account["debts"] if d["reference"] == debt["reference"]]
            return bool(d["state"] == "paid")

        await eventually(settled, timeout_s=DEADLINE_S, message="the debt settled")

        async def confirmed() -> bool:
            return any(
                str(m["subject"]).startswith("Télépaiement enregistré")
                for m in mails_to(platform.mail_dir, payer_email)
            )

        await eventually(confirmed, timeout_s=DEADLINE_S, message="the firm user's mail")
