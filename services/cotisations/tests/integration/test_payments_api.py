"""Payments on a real database (SQLite and PostgreSQL): the SEPA mandate, the debit day's
pain.008 file and its ledger entries, the bank's returns, an agent's cheque, the history and
the account's standing — and who may do what."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from contracts.bank import v1 as bank_v1
from cotisations.adapters import orm
from cotisations.bootstrap import CotisationsApp, bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import AUDIENCE, create_app
from cotisations_payments import BIC, IBAN, OTHER_BIC, OTHER_IBAN, WRONG_RIB_KEY, debits_of
from cotisations_samples import NOW, activated, affiliate, event, subscribed, token
from servicekit.clock import FakeClock
from servicekit.messaging import IncomingEvent
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.polling import eventually
from servicekit.testing.tokens import verifier
from sqlalchemy import func, select

APRIL_DEBIT = date(2026, 4, 7)  # the 5th is a Sunday, the 6th Easter Monday
ASSURE = {"aff": "aff-1", "cat": "artisan"}


@dataclass
class Service:
    client: httpx.AsyncClient
    app: CotisationsApp
    clock: FakeClock
    bank_dir: Path

    def assure(self) -> dict[str, str]:
        return token("assure", "acc-1", exp_at=self.clock.now(), **ASSURE)

    def agent(self) -> dict[str, str]:
        return token("agent", "ag-1", exp_at=self.clock.now())

    def firm(self, *rights: str) -> dict[str, str]:
        return token("cabinet_user", "paul", exp_at=self.clock.now(), cab="cab-1",
                     rights=list(rights))  # fmt: skip

    async def outbox(self, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.outbox.c.event_type, orm.outbox.c.payload).order_by(orm.outbox.c.id)
                )
            ).all()
        return [
            (r.event_type, json.loads(r.payload)) for r in rows if r.event_type.startswith(prefix)
        ]

    async def count(self, table: Any) -> int:
        async with self.app.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    def on(self, day: date) -> None:
        self.clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


@pytest.fixture
async def service(database_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    clock = FakeClock(NOW)
    settings = CotisationsSettings(database_url=database_url, bank_files_dir=str(tmp_path))
    app = bootstrap(settings, clock=clock)
    api = create_app(app, verifier=verifier(clock, audience=AUDIENCE))
    async with LifespanManager(api):
        clock.set(datetime(2026, 1, 2, 9, tzinfo=UTC))  # the account taken over in January
        await app.on_affiliate(event(affiliate("aff-1", "artisan")))
        clock.set(NOW)
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
            yield Service(client, app, clock, tmp_path)


MANDATE = {"holder": "Jean Dupont", "iban": IBAN, "bic": BIC}


async def adhere(service: Service) -> dict[str, Any]:
    resp = await service.client.post(
        "/v1/accounts/aff-1/direct-debit", json=MANDATE, headers=service.assure()
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def run_debits(service: Service, day: date) -> dict[str, Any]:
    resp = await service.client.post(
        "/v1/operations/debit-runs", json={"debit_date": day.isoformat()}, headers=service.agent()
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def as_event(payload: dict[str, Any], event_id: str) -> IncomingEvent:
    from contracts.envelope import Envelope

    p = bank_v1.SepaReturnV1.model_validate(payload)
    envelope = Envelope(id=event_id, type=p.event_type, source="bank", time=NOW, subject="s")
    return IncomingEvent(envelope, p.model_dump(mode="json"), p.topic, 0, 0)


async def test_an_iban_with_a_wrong_rib_key_or_a_bic_of_another_bank_is_refused_in_french(
    service: Service,
) -> None:
    for body, said, field in (
        ({**MANDATE, "iban": WRONG_RIB_KEY}, "clé RIB", "iban"),
        ({**MANDATE, "bic": OTHER_BIC}, "ne correspond pas à la banque", "bic"),
        ({**MANDATE, "iban": "FR76 3000 6000 0112 3456 7890 18"}, "IBAN", "iban"),
        ({**MANDATE, "holder": ""}, "titulaire", "holder"),
    ):
        resp = await service.client.post(
            "/v1/accounts/aff-1/direct-debit", json=body, headers=service.assure()
        )
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert said in resp.json()["detail"], resp.json()
        assert [e["field"] for e in resp.json()["errors"]] == [field]  # the form's field
    assert await service.count(orm.direct_debit_mandates) == 0
    assert await service.outbox() == []


async def test_adhering_debits_from_the_first_due_date_after_the_notice_and_prenotifies(
    service: Service,
) -> None:
    body = await adhere(service)
    assert body["on_direct_debit"] is True
    assert body["effective_from"] == APRIL_DEBIT.isoformat()  # 1 March + 14 days ⇒ 7 April
    assert body["current"]["iban"] == "FR76 **** **** **** **** ***0 189"
    events = dict(await service.outbox("cotisations.payment"))
    signed = events["cotisations.payment.direct_debit_mandate_signed.v1"]
    assert IBAN not in json.dumps(signed)
    assert signed["effective_from"] == "2026-04-07"
    notice = events["cotisations.payment.debits_prenotified.v1"]
    assert notice["first_debit_date"] == "2026-04-07"
    assert [d["debit_date"] for d in notice["debits"]][:2] == ["2026-04-07", "2026-05-05"]
    assert (date.fromisoformat(notice["first_debit_date"]) - NOW.date()).days >= 14
    again = await service.client.post(
        "/v1/accounts/aff-1/direct-debit", json=MANDATE, headers=service.assure()
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/direct-debit-exists")


async def test_a_debit_day_writes_one_valid_pain008_and_a_rerun_writes_nothing(
    service: Service,
) -> None:
    mandate = (await adhere(service))["current"]
    service.on(APRIL_DEBIT)
    run = await run_debits(service, APRIL_DEBIT)
    assert (run["transactions"], run["total"], run["already_run"]) == (1, "114.75", False)
    content = (service.bank_dir / run["file_name"]).read_bytes()
    (debit,) = debits_of(content)  # valid against the pain.008.001.02 XSD
    assert (debit["collection_date"], debit["amount"], debit["rum"], debit["iban"]) == (
        "2026-04-07", "114.75", mandate["rum"], IBAN,
    )  # fmt: skip
    entries = await service.count(orm.ledger_entries)
    files = sorted(p.name for p in service.bank_dir.iterdir())
    rerun = await run_debits(service, APRIL_DEBIT)
    assert rerun["already_run"] is True
    assert await service.count(orm.ledger_entries) == entries
    assert sorted(p.name for p in service.bank_dir.iterdir()) == files
    history = (
        await service.client.get("/v1/accounts/aff-1/payments", headers=service.assure())
    ).json()
    (line,) = [p for p in history["payments"] if p["mode"] == "prelevement"]
    assert (line["status"], line["amount"], line["paid"]["due_date"]) == (
        "pending", "114.75", "2026-04-07",
    )  # fmt: skip


async def test_a_rejected_debit_becomes_a_debt_and_a_replayed_feed_changes_nothing(
    service: Service,
) -> None:
    await adhere(service)
    service.on(APRIL_DEBIT)
    await run_debits(service, APRIL_DEBIT)
    service.on(date(2026, 4, 10))
    (debit,) = debits_of((service.bank_dir / "pain008-20260407.xml").read_bytes())
    resp = await service.client.post(
        "/v1/operations/bank-returns",
        json={
            "debit_date": "2026-04-07",
            "rejected": [{"end_to_end_id": debit["end_to_end_id"], "reason_code": "AM04"}],
        },
        headers=service.agent(),
    )
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"debit_date": "2026-04-07", "settled": 0, "rejected": 1}
    (returned,) = [p for t, p in await service.outbox("bank.")]
    feed = as_event(returned, "ret-1")
    await service.app.on_sepa_return(feed)
    account = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    april = next(i for i in account["echeancier"] if i["due_date"] == "2026-04-07")
    assert april["payment"] == "rejected"
    assert april["debt"] == "debt:rejection:debit:2026-04-07"
    (debt,) = [d for d in account["debts"] if d["reference"] == april["debt"]]
    # payable at once, and late from the day the bank said no
    assert (debt["amount"], debt["due_date"], debt["state"]) == ("114.75", "2026-04-10", "overdue")
    assert account["standing"]["up_to_date"] is False
    assert debt["origin"] == "Prélèvement du 7 avril 2026 rejeté par la banque"  # read by people
    rejected = [p for t, p in await service.outbox() if t.endswith("payment_rejected.v1")]
    assert len(rejected) == 1
    assert (rejected[0]["reason_code"], rejected[0]["reason_label"]) == (
        "AM04", "Provision insuffisante",
    )  # fmt: skip
    assert rejected[0]["debt"]["amount"] == "114.75"
    balance = account["standing"]["balance_due"]
    # the feed again from offset 0 (same event), then as a new delivery of the same return
    await service.app.on_sepa_return(feed)
    await service.app.on_sepa_return(as_event(returned, "ret-1-again"))
    after = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    assert after["standing"]["balance_due"] == balance
    assert len([t for t, _ in await service.outbox() if t.endswith("payment_rejected.v1")]) == 1


async def test_an_agent_records_a_cheque_once_and_nobody_else_may(service: Service) -> None:
    service.on(date(2026, 3, 20))
    cheque = {"mode": "cheque", "amount": "153,00", "value_date": "18/03/2026",
              "reference": "CHQ-1", "pays": "instalment:2026-03-05"}  # fmt: skip
    refused = await service.client.post(
        "/v1/accounts/aff-1/payments", json=cheque, headers=service.agent()
    )
    assert refused.status_code == 422
    assert "montant du paiement" in refused.json()["detail"]
    cheque["amount"] = "153.00"
    for who, status in ((service.assure(), 403), (service.firm("pay", "read"), 404)):
        resp = await service.client.post("/v1/accounts/aff-1/payments", json=cheque, headers=who)
        assert resp.status_code == status, resp.text
    resp = await service.client.post(
        "/v1/accounts/aff-1/payments",
        json=cheque,
        headers={**service.agent(), "Idempotency-Key": "k-1"},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert (body["amount"], body["paid"]["reference"], body["value_date"]) == (
        "153.00", "instalment:2026-03-05", "2026-03-18",
    )  # fmt: skip
    retried = await service.client.post(
        "/v1/accounts/aff-1/payments",
        json=cheque,
        headers={**service.agent(), "Idempotency-Key": "k-1"},
    )
    assert retried.json() == body
    twice = await service.client.post(
        "/v1/accounts/aff-1/payments", json=cheque, headers=service.agent()
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/payment-already-recorded")
    unknown = await service.client.post(
        "/v1/accounts/aff-1/payments",
        json={**cheque, "reference": "CHQ-2", "pays": "instalment:2031-01-05"},
        headers=service.agent(),
    )
    assert unknown.status_code == 422
    recorded = [p for t, p in await service.outbox() if t.endswith("payment_recorded.v1")]
    assert len(recorded) == 1
    assert recorded[0]["mode"] == "cheque"
    # January and February unpaid; March paid, its 38.25 over goes to the oldest: January
    assert recorded[0]["standing"]["overdue"] == "191.25"


async def test_the_history_is_read_by_the_assure_an_agent_and_a_firm_with_read(
    service: Service,
) -> None:
    service.on(date(2026, 3, 20))
    await service.client.post(
        "/v1/accounts/aff-1/payments",
        json={
            "mode": "virement",
            "amount": "50.00",
            "value_date": "2026-03-19",
            "reference": "VIR-9",
        },
        headers=service.agent(),
    )
    url = "/v1/accounts/aff-1/payments?limit=1"
    for who in (service.assure(), service.agent()):
        page = (await service.client.get(url, headers=who)).json()
        assert page["total"] == 1
        assert page["payments"][0]["paid"] is None  # on account
    stranger = token("assure", "acc-2", exp_at=service.clock.now(), aff="aff-2", cat="artisan")
    assert (await service.client.get(url, headers=stranger)).status_code == 404
    assert (await service.client.get(url, headers=service.firm("read"))).status_code == 404
    await service.app.on_access_events([event(activated()), event(subscribed())])
    assert (await service.client.get(url, headers=service.firm("read"))).status_code == 200
    assert (await service.client.get(url, headers=service.firm("pay"))).status_code == 403
    assert (
        await service.client.get("/v1/accounts/aff-1/payments?limit=0", headers=service.agent())
    ).status_code == 422


async def test_a_change_of_account_and_a_revocation_apply_after_the_notice(
    service: Service,
) -> None:
    await service.app.on_access_events([event(activated()), event(subscribed())])
    first = (await adhere(service))["current"]
    service.on(date(2026, 4, 28))
    resp = await service.client.put(
        "/v1/accounts/aff-1/direct-debit",
        json={"holder": "Jean Dupont", "iban": OTHER_IBAN, "bic": OTHER_BIC},
        headers=service.firm("pay"),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["effective_from"] == "2026-05-20" or body["effective_from"] == "2026-06-05"
    ended = next(m for m in body["mandates"] if m["rum"] == first["rum"])
    assert ended["ends_on"] == body["effective_from"]
    assert body["current"]["rum"] != first["rum"]
    assert (
        await service.client.put(
            "/v1/accounts/aff-1/direct-debit", json=MANDATE, headers=service.firm("read")
        )
    ).status_code == 403
    left = await service.client.delete("/v1/accounts/aff-1/direct-debit", headers=service.assure())
    assert left.status_code == 200, left.text
    assert left.json()["on_direct_debit"] is False
    gone = await service.client.delete("/v1/accounts/aff-1/direct-debit", headers=service.assure())
    assert gone.status_code == 409
    types = [t for t, _ in await service.outbox("cotisations.payment")]
    assert types.count("cotisations.payment.direct_debit_mandate_changed.v1") == 1
    assert types.count("cotisations.payment.direct_debit_mandate_revoked.v1") == 1


async def _answer(service: Service, day: date, rejected: dict[str, str], first_id: str) -> None:
    """The day's return file published, then applied as the bank's feed (the worker's)."""
    before = len(await service.outbox("bank."))
    resp = await service.client.post(
        "/v1/operations/bank-returns",
        json={
            "debit_date": day.isoformat(),
            "rejected": [{"end_to_end_id": e, "reason_code": c} for e, c in rejected.items()],
        },
        headers=service.agent(),
    )
    assert resp.status_code == 202, resp.text
    for n, (_, payload) in enumerate((await service.outbox("bank."))[before:]):
        await service.app.on_sepa_return(as_event(payload, f"{first_id}-{n}"))


async def test_a_telepayment_of_a_debt_is_in_the_next_debit_file_and_settles_part_by_part(
    service: Service,
) -> None:
    await adhere(service)
    service.on(APRIL_DEBIT)
    await run_debits(service, APRIL_DEBIT)
    (debit,) = debits_of((service.bank_dir / "pain008-20260407.xml").read_bytes())
    service.on(date(2026, 4, 9))
    await _answer(service, APRIL_DEBIT, {debit["end_to_end_id"]: "AM04"}, "ret-dd")
    assert (await run_debits(service, date(2026, 4, 9)))["transactions"] == 0  # no debit due
    form = {"holder_name": "Jean Dupont", "address": "1 rue X, 75001 Paris", "iban": IBAN,
            "bic": BIC, "terms_accepted": True}  # fmt: skip
    resp = await service.client.post(
        "/v1/accounts/aff-1/telepayment", json=form, headers=service.assure()
    )
    assert resp.status_code == 201, resp.text
    mandate_id = resp.json()["mandate_id"]
    debt = "debt:rejection:debit:2026-04-07"
    body = {"reference": debt, "parts": [{"iban": IBAN, "amount": "100.00"},
                                         {"iban": OTHER_IBAN, "amount": "14.75"}]}  # fmt: skip
    resp = await service.client.post(
        "/v1/accounts/aff-1/telepayments",
        json=body,
        headers={**service.assure(), "Idempotency-Key": "pay-debt"},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["debit_on"] == "2026-04-09"  # the day's run is over: the next one's
    service.on(date(2026, 4, 10))
    run = await run_debits(service, date(2026, 4, 10))
    assert (run["transactions"], run["total"]) == (2, "114.75")
    parts = debits_of((service.bank_dir / "pain008-20260410.xml").read_bytes())
    assert [(d["iban"], d["bic"], d["amount"], d["rum"]) for d in parts] == [
        (IBAN, BIC, "100.00", mandate_id),
        (OTHER_IBAN, OTHER_BIC, "14.75", mandate_id),
    ]
    assert len({d["end_to_end_id"] for d in parts}) == 2
    service.on(date(2026, 4, 14))
    await _answer(service, date(2026, 4, 10), {}, "ret-tp")
    account = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    (paid,) = [d for d in account["debts"] if d["reference"] == debt]
    assert paid["state"] == "paid"
    settled = [p for t, p in await service.outbox() if t.endswith("payment_settled.v1")]
    assert [(p["payment_id"], p["amount"]) for p in settled][-1][1] == "114.75"
    payables = (
        await service.client.get("/v1/accounts/aff-1/payables", headers=service.assure())
    ).json()
    assert [p["status"] for p in payables["telepayments"]] == ["settled"]
    balance = account["standing"]["balance_due"]
    await _answer(service, date(2026, 4, 10), {}, "ret-tp-again")  # the feed again
    again = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    assert again["standing"]["balance_due"] == balance
    assert len([t for t, _ in await service.outbox() if t.endswith("payment_settled.v1")]) == len(
        settled
    )


async def test_part_of_a_debt_paid_then_settled_leaves_the_rest_offered_to_pay(
    service: Service,
) -> None:
    await adhere(service)
    service.on(APRIL_DEBIT)
    await run_debits(service, APRIL_DEBIT)
    (debit,) = debits_of((service.bank_dir / "pain008-20260407.xml").read_bytes())
    service.on(date(2026, 4, 9))
    await _answer(service, APRIL_DEBIT, {debit["end_to_end_id"]: "AM04"}, "ret-dd")
    form = {"holder_name": "Jean Dupont", "address": "1 rue X, 75001 Paris", "iban": IBAN,
            "bic": BIC, "terms_accepted": True}  # fmt: skip
    resp = await service.client.post(
        "/v1/accounts/aff-1/telepayment", json=form, headers=service.assure()
    )
    assert resp.status_code == 201, resp.text
    debt = "debt:rejection:debit:2026-04-07"

    async def offered() -> dict[str, dict[str, object]]:
        got = await service.client.get("/v1/accounts/aff-1/payables", headers=service.assure())
        return {p["reference"]: p for p in got.json()["payables"]}

    assert (await offered())[debt]["amount"] == "114.75"
    first = await service.client.post(
        "/v1/accounts/aff-1/telepayments",
        json={"reference": debt, "amount": "100.00"},
        headers={**service.assure(), "Idempotency-Key": "pay-part"},
    )
    assert first.status_code == 201, first.text
    assert debt not in await offered()  # one live telepayment per amount
    service.on(date(2026, 4, 10))
    assert (await run_debits(service, date(2026, 4, 10)))["total"] == "100.00"
    service.on(date(2026, 4, 14))
    await _answer(service, date(2026, 4, 10), {}, "ret-part")
    rest = (await offered())[debt]
    assert (rest["amount"], rest["payable"]) == ("14.75", True)
    account = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    (owed,) = [d for d in account["debts"] if d["reference"] == debt]
    assert owed["state"] == "overdue"
    second = await service.client.post(
        "/v1/accounts/aff-1/telepayments",
        json={"reference": debt},
        headers={**service.assure(), "Idempotency-Key": "pay-rest"},
    )
    assert second.status_code == 201, second.text
    assert second.json()["amount"] == "14.75"
    assert debt not in await offered()


async def test_the_standing_sweep_publishes_what_the_calendar_moved_once(
    service: Service,
) -> None:
    swept = await service.client.post("/v1/operations/standing-sweeps", headers=service.agent())
    assert swept.status_code == 200, swept.text
    assert (swept.json()["accounts"], swept.json()["published"]) == (1, 1)
    again = await service.client.post("/v1/operations/standing-sweeps", headers=service.agent())
    assert again.json()["published"] == 0  # the same day, nothing moved
    (changed,) = [p for t, p in await service.outbox() if t.endswith("standing_changed.v1")]
    assert (changed["reason"], changed["standing"]["up_to_date"]) == ("opened", False)
    assert changed["standing"]["overdue"] == "229.50"  # January, February: taken over 2 January
    service.on(date(2026, 3, 6))  # the 5 March instalment unpaid
    later = await service.client.post("/v1/operations/standing-sweeps", headers=service.agent())
    assert later.json()["published"] == 1
    refused = await service.client.post("/v1/operations/standing-sweeps", headers=service.assure())
    assert refused.status_code == 403
    await service.app.on_affiliate(event(affiliate("aff-2", "artisan")))  # opened since
    new = await service.app.sweep_standings(only_new=True)
    assert (new.accounts, new.published) == (1, 1)
    assert (await service.app.sweep_standings(only_new=True)).accounts == 0


async def test_an_account_opened_has_its_first_standing_at_once_not_at_the_next_tick(
    service: Service,
) -> None:
    loop = service.app.standing_sweep_loop()  # its interval: 300 s by default
    running = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: _standings_of(service, "aff-1"), timeout_s=10)  # the day's sweep

        async def idle() -> bool:  # the sweep that published, then one that found nothing
            return loop.steps >= 2

        await eventually(idle, timeout_s=10)
        await service.app.on_affiliate(event(affiliate("aff-2", "artisan")))
        # the registry event applied wakes the sweep: the new account's standing is published
        # within seconds, where the next tick would have come 300 s later
        (opened,) = await eventually(lambda: _standings_of(service, "aff-2"), timeout_s=10)
        assert opened["reason"] == "opened"
    finally:
        loop.stop()
        await running


async def _standings_of(service: Service, affiliate_id: str) -> list[dict[str, Any]]:
    return [
        p
        for t, p in await service.outbox()
        if t.endswith("standing_changed.v1") and p["affiliate_id"] == affiliate_id
    ]


OPENING = {"amount": "250.00", "due_date": "2025-12-05", "reference": "REPRISE-2025-1"}


async def test_a_balance_owed_in_the_former_books_is_a_debt_offered_to_pay_once(
    service: Service,
) -> None:
    url = "/v1/accounts/aff-1/opening-balance"
    before = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    refused = await service.client.post(url, json=OPENING, headers=service.assure())
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/agent-only")
    resp = await service.client.post(url, json=OPENING, headers=service.agent())
    assert resp.status_code == 201, resp.text
    got = resp.json()
    assert (got["amount"], got["obligation"], got["up_to_date"]) == (
        "250.00",
        "debt:opening",
        False,
    )
    due = before["standing"]["balance_due"]
    assert got["balance_due"] == f"{float(due) + 250:.2f}"
    account = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    (debt,) = [d for d in account["debts"] if d["reference"] == "debt:opening"]
    assert (debt["origin"], debt["outstanding"], debt["state"]) == (
        "Solde repris des comptes antérieurs",
        "250.00",
        "overdue",
    )
    payables = (
        await service.client.get("/v1/accounts/aff-1/payables", headers=service.assure())
    ).json()["payables"]
    (offered,) = [p for p in payables if p["reference"] == "debt:opening"]
    assert (offered["kind"], offered["amount"], offered["payable"]) == ("debt", "250.00", True)
    (told,) = [p for t, p in await service.outbox() if t.endswith("standing_changed.v1")]
    assert (told["standing"]["up_to_date"], told["standing"]["overdue"]) == (False, got["overdue"])
    again = await service.client.post(
        url, json={**OPENING, "amount": "10.00"}, headers=service.agent()
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/opening-balance-recorded")
    assert "ne s'enregistre qu'une fois" in again.json()["detail"]
    entries = [r for r in await _entries(service) if r.kind == "opening"]
    assert [(r.amount, r.obligation) for r in entries] == [(250, "debt:opening")]


async def test_a_credit_carried_from_the_former_books_pays_the_oldest_due_first(
    service: Service,
) -> None:
    before = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    resp = await service.client.post(
        "/v1/accounts/aff-1/opening-balance",
        json={**OPENING, "amount": "-300.00"},
        headers=service.agent(),
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["obligation"] is None
    due = float(before["standing"]["balance_due"])
    assert resp.json()["balance_due"] == f"{due - 300:.2f}"
    account = (await service.client.get("/v1/accounts/aff-1", headers=service.assure())).json()
    assert not [d for d in account["debts"] if d["reference"] == "debt:opening"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"amount": "0.00"}, "amount", "ne peut pas être nul"),
        ({"amount": "12.345"}, "amount", "au plus deux décimales"),
        ({"amount": "-99999999.00"}, "amount", "doit être compris entre"),
        ({"reference": " "}, "reference", "1 à 60 lettres ou chiffres"),
        ({"due_date": "31/02/2025"}, "due_date", ""),
    ],
)
async def test_a_bad_opening_balance_is_refused_in_french_and_nothing_is_written(
    service: Service, change: dict[str, str], field: str, words: str
) -> None:
    resp = await service.client.post(
        "/v1/accounts/aff-1/opening-balance", json={**OPENING, **change}, headers=service.agent()
    )
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert [r for r in await _entries(service) if r.kind == "opening"] == []
    assert not [t for t, _ in await service.outbox() if t.endswith("standing_changed.v1")]


async def _entries(service: Service) -> list[Any]:
    async with service.app.engine.connect() as conn:
        return list((await conn.execute(select(orm.ledger_entries))).all())
