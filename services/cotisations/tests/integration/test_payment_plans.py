"""Payment-delay plans on a real database: the preview shows surcharges and the schedule and
writes nothing, a small case is granted at once, a larger one waits for an agent who grants or
refuses with a reason, a missed instalment ends the plan; events on cotisations.payment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cotisations.adapters.ledger_repository import SqlAlchemyLedgerRepository
from cotisations.adapters.telepayment_tables import payment_plans
from cotisations.domain.payments.ledger import Entry, Ledger, standing
from cotisations_api import Api, running_api
from cotisations_samples import affiliate
from sqlalchemy import func, select


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_api(database_url, affiliate("aff-1", "artisan")) as built:
        yield built


def _assure(api: Api) -> dict[str, str]:
    return api.headers("assure", "acc-1", aff="aff-1", cat="artisan", email="j@d.fr", name="J D")


def _agent(api: Api) -> dict[str, str]:
    return api.headers("agent", "agent-7")


async def _owe(api: Api, amount: str, due: date) -> None:
    """A debit the bank rejected: what it paid is owed again, as a debt."""
    async with api.app.new_uow() as uow:
        ledger = await uow.ledgers.get("aff-1")
        ledger.post(
            Entry(
                key=f"rejection:{due}",
                kind="rejection",
                amount=Decimal(amount),
                booked_on=due,
                value_date=due,
                obligation=f"debt:rejection-{due}",
            )
        )
        await uow.ledgers.save(ledger)
        await uow.commit()


async def _plans(api: Api) -> int:
    async with api.app.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(payment_plans))).scalar_one()
        )


async def test_the_preview_shows_surcharges_and_schedule_and_writes_nothing(api: Api) -> None:
    await _owe(api, "900.00", date(2026, 1, 5))
    resp = await api.client.post(
        "/v1/accounts/aff-1/payment-plans/preview", json={"instalments": 3}, headers=_assure(api)
    )
    assert resp.status_code == 200, resp.text
    p = resp.json()
    # 5 January to 1 March: 1 month and 24 days, 2 months or parts: 5.4 %
    assert p["surcharges"][0]["months"] == 2
    assert p["surcharge_total"] == "48.60"
    assert p["total"] == "948.60"
    assert [i["amount"] for i in p["instalments"]] == ["316.20", "316.20", "316.20"]
    assert [i["due_date"] for i in p["instalments"]] == ["2026-04-01", "2026-05-04", "2026-06-01"]
    assert p["granted_at_once"] is True
    assert await _plans(api) == 0
    assert await api.outbox() == []


async def test_without_a_debt_or_with_thirteen_instalments_it_is_refused_in_french(
    api: Api,
) -> None:
    none = await api.client.post(
        "/v1/accounts/aff-1/payment-plans/preview", json={"instalments": 3}, headers=_assure(api)
    )
    assert none.status_code == 422
    assert "aucune dette" in none.json()["detail"]
    await _owe(api, "900.00", date(2026, 1, 5))
    thirteen = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 13},
        headers={**_assure(api), "Idempotency-Key": "p"},
    )
    assert thirteen.status_code == 422
    assert await _plans(api) == 0


async def test_a_small_case_is_granted_at_once_and_a_missed_instalment_ends_it(api: Api) -> None:
    await _owe(api, "900.00", date(2026, 1, 5))
    headers = {**_assure(api), "Idempotency-Key": "plan-1"}
    made = await api.client.post(
        "/v1/accounts/aff-1/payment-plans", json={"instalments": 3}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "granted"
    again = await api.client.post(
        "/v1/accounts/aff-1/payment-plans", json={"instalments": 3}, headers=headers
    )
    assert again.json() == made.json()
    assert await _plans(api) == 1
    types = [t.rsplit(".", 2)[1] for t, _ in await api.outbox()]
    assert types == ["payment_plan_requested", "payment_plan_granted"]
    shown = (await api.client.get("/v1/accounts/aff-1/payables", headers=_assure(api))).json()
    kinds = {p["reference"]: p for p in shown["payables"]}
    first = f"plan:{made.json()['plan_id']}:1"
    assert kinds[first]["payable"] is True  # open at all times, even on automatic debit
    assert "debt:rejection-2026-01-05" not in kinds  # rescheduled into the plan
    # the first instalment (1 April) unpaid on 2 April: the plan ends, what remains is due
    api.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=UTC))
    await _owe(api, "10.00", date(2026, 4, 1))
    asked = await api.client.post(
        "/v1/accounts/aff-1/payment-plans/preview", json={"instalments": 2}, headers=_assure(api)
    )
    assert asked.status_code == 200
    ended = [p for t, p in await api.outbox() if t.endswith("payment_plan_ended.v1")]
    assert ended == []  # a preview writes nothing
    later = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 2},
        headers={**_assure(api), "Idempotency-Key": "plan-2"},
    )
    assert later.status_code == 201, later.text
    assert later.json()["status"] == "requested"  # a plan broken within 12 months: an agent
    ended = [p for t, p in await api.outbox() if t.endswith("payment_plan_ended.v1")]
    assert len(ended) == 1
    assert ended[0]["remaining"] == "948.60"
    assert ended[0]["missed_instalment"]["number"] == 1


async def test_an_agent_grants_or_refuses_with_a_reason_others_may_not(api: Api) -> None:
    await _owe(api, "9000.00", date(2026, 1, 5))
    made = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 10},
        headers={**_assure(api), "Idempotency-Key": "big"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "requested"
    url = f"/v1/accounts/aff-1/payment-plans/{made.json()['plan_id']}/decision"
    by_assure = await api.client.post(url, json={"decision": "grant"}, headers=_assure(api))
    assert by_assure.status_code == 403
    assert by_assure.json()["type"].endswith("/agent-only")
    no_reason = await api.client.post(url, json={"decision": "refuse"}, headers=_agent(api))
    assert no_reason.status_code == 422
    assert "motif" in no_reason.json()["detail"]
    refused = await api.client.post(
        url, json={"decision": "refuse", "reason": "Dette ancienne"}, headers=_agent(api)
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["status"], refused.json()["reason"]) == ("refused", "Dette ancienne")
    twice = await api.client.post(url, json={"decision": "grant"}, headers=_agent(api))
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/plan-already-decided")
    refusals = [p for t, p in await api.outbox() if t.endswith("payment_plan_refused.v1")]
    assert [r["reason"] for r in refusals] == ["Dette ancienne"]


async def test_a_plan_instalment_paid_by_telepayment_counts_and_the_plan_runs_on(api: Api) -> None:
    await _owe(api, "900.00", date(2026, 1, 5))
    form = {
        "holder_name": "Jean Dupont",
        "address": "1 rue X",
        "bic": "AGRIFRPP",
        "iban": "FR7630006000011234567890189",
        "terms_accepted": True,
    }
    assert (
        await api.client.post("/v1/accounts/aff-1/telepayment", json=form, headers=_assure(api))
    ).status_code == 201
    made = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 3},
        headers={**_assure(api), "Idempotency-Key": "p1"},
    )
    first = f"plan:{made.json()['plan_id']}:1"
    paid = await api.client.post(
        "/v1/accounts/aff-1/telepayments",
        json={"reference": first},
        headers={**_assure(api), "Idempotency-Key": "t1"},
    )
    assert paid.status_code == 201, paid.text
    assert (paid.json()["amount"], paid.json()["debit_on"]) == ("316.20", "2026-04-01")
    # the day after the first instalment's due date: paid, so the plan still runs
    api.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=UTC))
    shown = (await api.client.get("/v1/accounts/aff-1/payables", headers=_assure(api))).json()
    references = {p["reference"] for p in shown["payables"]}
    assert first not in references
    assert f"plan:{made.json()['plan_id']}:2" in references
    assert not [t for t, _ in await api.outbox() if t.endswith("payment_plan_ended.v1")]


def _instalment(e: Entry) -> bool:
    return (e.obligation or "").startswith("instalment:")


async def _ledger(api: Api) -> list[Entry]:
    async with api.app.new_uow() as uow:
        return (await uow.ledgers.get("aff-1")).entries


async def test_a_granted_plan_moves_the_debts_into_its_instalments_in_the_ledger(api: Api) -> None:
    await _owe(api, "900.00", date(2026, 1, 5))
    debt = "debt:rejection-2026-01-05"
    made = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 3},
        headers={**_assure(api), "Idempotency-Key": "plan-1"},
    )
    assert made.status_code == 201, made.text
    plan_id = made.json()["plan_id"]
    entries = [e for e in await _ledger(api) if not _instalment(e)]
    assert [(e.kind, e.obligation, e.amount) for e in entries] == [
        ("rejection", debt, Decimal("900.00")),
        ("surcharge", f"surcharge:plan-{plan_id}:{debt}", Decimal("48.60")),
        ("debt_rescheduled", f"surcharge:plan-{plan_id}:{debt}", Decimal("-48.60")),
        ("debt_rescheduled", debt, Decimal("-900.00")),
        *[("plan_instalment", f"plan:{plan_id}:{n}", Decimal("316.20")) for n in (1, 2, 3)],
    ]
    today = api.clock.now().date()
    (granted,) = [p for t, p in await api.outbox() if t.endswith("payment_plan_granted.v1")]
    everything = standing(await _ledger(api), today)  # the calls of the account's instalments
    assert granted["standing"]["balance_due"] == f"{everything.balance:.2f}"
    assert granted["standing"]["overdue"] == f"{everything.overdue:.2f}"
    assert not any(o.reference == debt and o.outstanding for o in everything.obligations)
    shown = standing(entries, today)
    assert shown.balance == Decimal("948.60")  # the debt, plus its surcharge
    assert shown.up_to_date  # the debt is in the plan, its instalments not yet due
    assert [o.reference for o in shown.obligations if o.outstanding > 0] == [
        f"plan:{plan_id}:{n}" for n in (1, 2, 3)
    ]
    # the first instalment unpaid past its due date: the next write ends the plan, once
    api.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=UTC))
    for key in ("plan-2", "plan-3"):
        again = await api.client.post(
            "/v1/accounts/aff-1/payment-plans",
            json={"instalments": 2},
            headers={**_assure(api), "Idempotency-Key": key},
        )
        assert again.status_code == 201, again.text
    after = [e for e in await _ledger(api) if not _instalment(e)]
    ended = [e for e in after if e.obligation == f"debt:plan-{plan_id}"]
    assert [(e.kind, e.amount, e.value_date) for e in ended] == [
        ("call", Decimal("948.60"), date(2026, 4, 2))
    ]
    rescheduled = [e for e in after if e.key.startswith(f"rescheduled:plan:{plan_id}:")]
    assert sum(e.amount for e in rescheduled) == Decimal("-948.60")
    assert standing(after, date(2026, 4, 2)).balance == Decimal("948.60")
    events = [t for t, _ in await api.outbox() if t.endswith("payment_plan_ended.v1")]
    assert len(events) == 1


async def test_the_workers_sweep_ends_a_missed_plan_once_without_any_write_on_the_account(
    api: Api,
) -> None:
    await _owe(api, "900.00", date(2026, 1, 5))
    made = await api.client.post(
        "/v1/accounts/aff-1/payment-plans",
        json={"instalments": 3},
        headers={**_assure(api), "Idempotency-Key": "plan-1"},
    )
    assert made.status_code == 201, made.text
    plan_id = made.json()["plan_id"]
    api.clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=UTC))  # the first due date: still open
    assert (await api.app.sweep_missed_plans()).ended == ()
    api.clock.set(datetime(2026, 4, 2, 6, 0, tzinfo=UTC))
    assert (await api.app.sweep_missed_plans()).ended == (plan_id,)
    again = await api.client.post("/v1/operations/plan-sweeps", headers=_agent(api))
    assert again.status_code == 200, again.text
    assert again.json() == {"on": "2026-04-02", "ended": []}  # the operator's trigger
    by_assure = await api.client.post("/v1/operations/plan-sweeps", headers=_assure(api))
    assert by_assure.status_code == 403
    ended = [p for t, p in await api.outbox() if t.endswith("payment_plan_ended.v1")]
    assert len(ended) == 1
    assert ended[0]["plan_id"] == plan_id
    assert ended[0]["remaining"] == "948.60"
    entries = await _ledger(api)
    debt = [e for e in entries if e.obligation == f"debt:plan-{plan_id}"]
    assert [(e.kind, e.amount, e.value_date) for e in debt] == [
        ("call", Decimal("948.60"), date(2026, 4, 2))
    ]
    async with api.app.engine.connect() as conn:
        status = (await conn.execute(select(payment_plans.c.status))).scalar_one()
    assert status == "ended"
    shown = (await api.client.get("/v1/accounts/aff-1/payables", headers=_assure(api))).json()
    assert f"debt:plan-{plan_id}" in {p["reference"] for p in shown["payables"]}


async def test_two_plans_over_the_same_debt_at_the_same_instant_one_is_a_french_409(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL both requests are held until each has decided its plan (a barrier before
    the ledger's write): the debt's ``rescheduled:`` key, taken by the first, refuses the
    second. SQLite serialises the writers: the second finds no debt left to reschedule."""
    await _owe(api, "900.00", date(2026, 1, 5))
    racing = not database_url.startswith("sqlite")
    if racing:
        barrier = asyncio.Barrier(2)
        original = SqlAlchemyLedgerRepository.save

        async def held(self: SqlAlchemyLedgerRepository, ledger: Ledger) -> None:
            async with asyncio.timeout(20):
                await barrier.wait()
            await original(self, ledger)

        monkeypatch.setattr(SqlAlchemyLedgerRepository, "save", held)
    answers = await asyncio.gather(
        *(
            api.client.post(
                "/v1/accounts/aff-1/payment-plans",
                json={"instalments": 3},
                headers={**_assure(api), "Idempotency-Key": f"same-instant-{n}"},
            )
            for n in (1, 2)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == ([201, 409] if racing else [201, 422]), [a.text for a in answers]
    refused = next(a for a in answers if a.status_code != 201)
    if racing:
        assert refused.json()["code"] == "concurrent-request"
        assert "Une demande identique" in refused.json()["detail"]
    else:
        assert "aucune dette" in refused.json()["detail"]
    assert await _plans(api) == 1
    rescheduled = [e for e in await _ledger(api) if e.kind == "debt_rescheduled"]
    assert sum(e.amount for e in rescheduled) == Decimal("-948.60")
