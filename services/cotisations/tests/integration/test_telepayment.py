"""Telepayment on a real database: the adhesion (one per person), « Payer » next to each amount
with the FAQ's reason when not offered, « Valider le paiement » split over several accounts, a
retried payment never paying twice, the change of amounts until noon the day before, who may."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from cotisations.adapters.orm import ledger_entries
from cotisations.adapters.telepayment_repository import SqlAlchemyTelepaymentRepository
from cotisations.adapters.telepayment_tables import telepayment_mandates, telepayments
from cotisations_api import Api, running_api
from cotisations_samples import activated, affiliate, event, subscribed
from servicekit.french import euros
from sqlalchemy import func, select

IBAN_A = "FR76 3000 6000 0112 3456 7890 189"
IBAN_B = "FR1420041010050500013M02606"
IBAN_C = "FR7630004000031234567890143"
BAD_RIB = "FR0630006000011234567890188"
FORM = {
    "holder_name": "Jean Dupont",
    "address": "1 rue X, 57000 Metz",
    "iban": IBAN_A,
    "bic": "AGRIFRPP",
    "terms_accepted": True,
}
MARCH = "instalment:2026-03-05"


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async with running_api(
        database_url, affiliate("aff-1", "artisan"), affiliate("aff-2", "artisan")
    ) as built:
        yield built


def _assure(api: Api, aff: str = "aff-1") -> dict[str, str]:
    return api.headers("assure", f"acc-{aff}", aff=aff, cat="artisan", email="j@d.fr", name="J D")


def _euros(amount: str) -> str:
    return euros(Decimal(amount))


def _key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def _count(api: Api, table: Any) -> int:
    async with api.app.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _payables(api: Api, aff: str = "aff-1") -> dict[str, dict[str, Any]]:
    resp = await api.client.get(f"/v1/accounts/{aff}/payables", headers=_assure(api, aff))
    assert resp.status_code == 200, resp.text
    return {p["reference"]: p for p in resp.json()["payables"]}


async def _adhere(api: Api, aff: str = "aff-1", **changes: Any) -> Any:
    return await api.client.post(
        f"/v1/accounts/{aff}/telepayment", json={**FORM, **changes}, headers=_assure(api, aff)
    )


async def test_on_automatic_debit_payer_is_not_offered_for_current_contributions(
    api: Api,
) -> None:
    before = await _payables(api)
    assert before[MARCH]["reason_code"] != "direct-debit"  # the mode alone debits nothing
    adhered = await api.client.post(
        "/v1/accounts/aff-1/direct-debit",
        json={"holder": "Jean Dupont", "iban": IBAN_A, "bic": "AGRIFRPP"},
        headers=_assure(api),
    )
    assert adhered.status_code == 201, adhered.text
    effective_from = adhered.json()["effective_from"]
    shown = await _payables(api)
    debited = [p for p in shown.values() if p["due_date"] >= effective_from]
    assert debited
    for p in debited:
        assert (p["payable"], p["reason_code"]) == (False, "direct-debit")
        assert "prélèvement automatique" in p["reason"]
        assert "pas éligible au télépaiement" in p["reason"]
    # an instalment due before the mandate takes effect is not debited: « Payer » per its window
    assert shown[MARCH]["reason_code"] != "direct-debit"


async def test_in_december_payer_is_offered_for_januarys_instalment_once_its_window_opens(
    api: Api,
) -> None:
    api.clock.set(datetime(2026, 12, 16, 9, tzinfo=UTC))  # the window opened on 15 December
    shown = await _payables(api)
    january = shown["instalment:2027-01-05"]
    assert (january["payable"], january["reason"]) == (True, None)
    assert "instalment:2027-02-05" not in shown  # next year: only what falls due within a month
    december = shown["instalment:2026-12-07"]  # the 5th a Saturday: Monday the 7th, gone by
    assert (december["payable"], december["reason_code"]) == (False, "past-due")


async def test_payer_lists_nothing_due_before_the_account_was_taken_over(api: Api) -> None:
    await api.app.on_affiliate(event(affiliate("aff-3", "artisan")))  # taken over on 1 March
    shown = await _payables(api, "aff-3")
    assert min(p["due_date"] for p in shown.values()) == "2026-03-05"


async def test_the_adhesion_form_is_checked_then_signed_once(api: Api) -> None:
    refused = await _adhere(api, terms_accepted=False)
    assert refused.status_code == 422
    assert "conditions générales d'utilisation" in refused.json()["detail"]
    bad_key = await _adhere(api, iban=BAD_RIB)
    assert bad_key.status_code == 422
    assert "n'est pas un IBAN valide" in bad_key.json()["detail"]
    assert await _count(api, telepayment_mandates) == 0

    signed = await _adhere(api)
    assert signed.status_code == 201, signed.text
    assert signed.json()["iban"] == "FR76 **** **** **** **** ***0 189"
    again = await _adhere(api)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/telepayment-mandate-active")
    types = [t for t, _ in await api.outbox()]
    assert types == ["cotisations.payment.telepayment_mandate_signed.v1"]
    assert "3000600001" not in str(await api.outbox())  # never the full IBAN


async def test_a_mandate_of_the_same_person_on_another_account_is_refused_until_revoked(
    api: Api,
) -> None:
    assert (await _adhere(api)).status_code == 201
    refused = await _adhere(api, "aff-2")
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"].endswith("/telepayment-mandate-exists")
    assert "existe déjà sur un autre de vos comptes" in body["detail"]
    assert "vérifiez que celui-ci n'est pas lié à l'ensemble de vos comptes" in body["detail"]
    # another bank account is not taken for the same person's mandate
    other_iban = await _adhere(api, "aff-2", iban=IBAN_C)
    assert other_iban.status_code == 201, other_iban.text
    # revoked on aff-1, the same IBAN may then be used elsewhere
    revoked = await api.client.delete("/v1/accounts/aff-1/telepayment", headers=_assure(api))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    gone = await api.client.delete("/v1/accounts/aff-1/telepayment", headers=_assure(api))
    assert gone.status_code == 404


async def test_payer_is_offered_inside_the_window_with_the_faqs_reasons_otherwise(
    api: Api,
) -> None:
    assert (await _adhere(api)).status_code == 201
    shown = await _payables(api)
    assert shown[MARCH]["payable"] is True
    assert shown[MARCH]["reason"] is None
    february = shown["instalment:2026-02-05"]
    assert (february["payable"], february["reason_code"]) == (False, "past-due")
    assert "par chèque ou virement bancaire" in february["reason"]
    april = shown["instalment:2026-04-07"]  # 5 April, a Sunday, then Easter Monday
    assert (april["payable"], april["reason_code"]) == (False, "not-open-yet")
    assert april["opens_on"] == "2026-03-17"
    assert "à l'édition des avis d'appels, le 17 mars 2026" in april["reason"]


async def test_valider_le_paiement_says_what_is_debited_from_where_and_when(api: Api) -> None:
    assert (await _adhere(api)).status_code == 201
    amount = (await _payables(api))[MARCH]["amount"]
    before = await api.outbox()
    body = {
        "reference": MARCH,
        "parts": [
            {"iban": IBAN_A, "amount": "100.00"},
            {"iban": IBAN_B, "amount": f"{float(amount) - 100:.2f}"},
        ],
    }
    resp = await api.client.post(
        "/v1/accounts/aff-1/telepayments/preview", json=body, headers=_assure(api)
    )
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert (got["status"], got["amount"], got["debit_on"]) == ("preview", amount, "2026-03-05")
    assert got["changeable_until"] == "2026-03-04T12:00:00+01:00"
    assert [p["amount"] for p in got["parts"]] == ["100.00", f"{float(amount) - 100:.2f}"]
    assert await api.outbox() == before
    assert await _count(api, telepayments) == 0


async def test_a_retried_payment_pays_once_and_posts_one_pending_ledger_entry(api: Api) -> None:
    assert (await _adhere(api)).status_code == 201
    body = {"reference": MARCH}
    no_key = await api.client.post(
        "/v1/accounts/aff-1/telepayments", json=body, headers=_assure(api)
    )
    assert no_key.status_code == 422
    headers = {**_assure(api), **_key("pay-march-1")}
    first = await api.client.post("/v1/accounts/aff-1/telepayments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    retried = await api.client.post("/v1/accounts/aff-1/telepayments", json=body, headers=headers)
    assert retried.status_code == 201
    assert retried.json() == first.json()
    other_key = {**_assure(api), **_key("pay-march-2")}
    second = await api.client.post("/v1/accounts/aff-1/telepayments", json=body, headers=other_key)
    assert second.status_code == 422  # already paid: no more offered
    assert await _count(api, telepayments) == 1
    async with api.app.engine.connect() as conn:
        stored = (await conn.execute(select(ledger_entries))).all()
    # the write posts the calls fallen due with the payment (ADR 0012), each once
    calls = [r.obligation for r in stored if r.kind == "call"]
    assert calls == sorted(set(calls))
    rows = [r for r in stored if r.kind != "call"]
    assert [(r.kind, r.mode, r.status, r.obligation) for r in rows] == [
        ("payment", "telepaiement", "pending", MARCH)
    ]
    assert rows[0].value_date.isoformat() == "2026-03-05"
    recorded = [p for t, p in await api.outbox() if t.endswith("payment_recorded.v1")]
    assert len(recorded) == 1
    assert recorded[0]["status"] == "pending"
    assert recorded[0]["external_reference"] == first.json()["payment_id"]
    assert MARCH not in await _payables(api)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"reference": MARCH, "parts": [{"iban": IBAN_A, "amount": "1.00"}]}, "La somme des parts"),
        ({"reference": MARCH, "amount": "99999.00"}, "ne peut dépasser le montant dû"),
        ({"reference": MARCH, "amount": "10.001"}, "au plus deux décimales"),
        (
            {"reference": MARCH, "parts": [{"iban": IBAN_A, "amount": "1.005"}]},
            "au plus deux décimales",
        ),
        ({"reference": "instalment:2026-04-07"}, "à l'édition des avis d'appels"),
        ({"reference": "instalment:2026-02-05"}, "par chèque ou virement bancaire"),
        (
            {"reference": MARCH, "parts": [{"iban": BAD_RIB, "amount": "1.00"}]},
            "n'est pas un IBAN valide",
        ),
        (
            {
                "reference": MARCH,
                "parts": [
                    {"iban": i, "amount": "1.00"}
                    for i in (IBAN_A, IBAN_B, IBAN_C, "DE89370400440532013000")
                ],
            },
            "3 comptes bancaires au plus",
        ),
    ],
)
async def test_a_bad_payment_is_refused_in_french_and_nothing_is_written(
    api: Api, body: dict[str, Any], words: str
) -> None:
    assert (await _adhere(api)).status_code == 201
    before = await api.outbox()
    resp = await api.client.post(
        "/v1/accounts/aff-1/telepayments", json=body, headers={**_assure(api), **_key("k1")}
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert words in resp.json()["detail"]
    assert await _count(api, telepayments) == 0
    assert await _count(api, ledger_entries) == 0
    assert await api.outbox() == before


async def test_the_split_and_the_amount_can_change_until_noon_paris_time_the_day_before(
    api: Api,
) -> None:
    assert (await _adhere(api)).status_code == 201
    made = await api.client.post(
        "/v1/accounts/aff-1/telepayments",
        json={"reference": MARCH},
        headers={**_assure(api), **_key("k")},
    )
    assert made.status_code == 201, made.text
    payment_id, amount = made.json()["payment_id"], made.json()["amount"]
    url = f"/v1/accounts/aff-1/telepayments/{payment_id}"
    split = {
        "parts": [
            {"iban": IBAN_A, "amount": "10.00"},
            {"iban": IBAN_B, "amount": f"{float(amount) - 10:.2f}"},
        ]
    }
    api.clock.set(datetime(2026, 3, 4, 10, 59, tzinfo=UTC))  # 11:59 in Paris
    changed = await api.client.patch(url, json=split, headers=_assure(api))
    assert changed.status_code == 200, changed.text
    assert changed.json()["parts"][0]["amount"] == "10.00"
    assert changed.json()["amount"] == amount
    more = await api.client.patch(
        url,
        json={"parts": [{"iban": IBAN_A, "amount": f"{float(amount) + 0.01:.2f}"}]},
        headers=_assure(api),
    )
    assert more.status_code == 422
    assert f"ne peut dépasser le montant dû ({_euros(amount)})" in more.json()["detail"]
    lower = await api.client.patch(
        url, json={"parts": [{"iban": IBAN_A, "amount": "10.00"}]}, headers=_assure(api)
    )
    assert lower.status_code == 200, lower.text
    assert (lower.json()["amount"], lower.json()["status"]) == ("10.00", "scheduled")
    async with api.app.engine.connect() as conn:
        pending = (
            await conn.execute(select(ledger_entries).where(ledger_entries.c.kind == "payment"))
        ).one()
        stored = (await conn.execute(select(telepayments))).one()
    assert (pending.amount, pending.status) == (Decimal("-10.00"), "pending")
    assert stored.amount == Decimal("10.00")
    told = [p for t, p in await api.outbox() if t.endswith("telepayment_changed.v1")]
    assert [(p["previous_amount"], p["amount"]) for p in told] == [
        (amount, amount),
        (amount, "10.00"),
    ]
    assert told[-1]["parts"] == [{"iban": "FR76 **** **** **** **** ***0 189", "amount": "10.00"}]
    history = await api.client.get("/v1/accounts/aff-1/payments", headers=_assure(api))
    assert history.status_code == 200, history.text
    (paying,) = [p for p in history.json()["payments"] if p["mode"] == "telepaiement"]
    assert (paying["amount"], paying["status"]) == ("10.00", "pending")
    account = await api.client.get("/v1/accounts/aff-1", headers=_assure(api))
    (march,) = [i for i in account.json()["echeancier"] if i["due_date"] == "2026-03-05"]
    # not called yet: what is left of it once the telepayment is debited
    assert (march["payment"], march["outstanding"]) == (
        "partly_paid",
        f"{Decimal(amount) - Decimal('10.00'):.2f}",
    )
    api.clock.set(datetime(2026, 3, 4, 11, 0, tzinfo=UTC))  # noon in Paris
    late = await api.client.patch(url, json=split, headers=_assure(api))
    assert late.status_code == 409
    assert late.json()["type"].endswith("/telepayment-locked")
    assert "jusqu'à midi la veille du prélèvement" in late.json()["detail"]


async def test_less_than_the_amount_can_be_paid_never_more(api: Api) -> None:
    assert (await _adhere(api)).status_code == 201
    amount = (await _payables(api))[MARCH]["amount"]
    too_much = await api.client.post(
        "/v1/accounts/aff-1/telepayments/preview",
        json={"reference": MARCH, "amount": f"{float(amount) + 1:.2f}"},
        headers=_assure(api),
    )
    assert too_much.status_code == 422
    assert "ne peut dépasser le montant dû" in too_much.json()["detail"]
    not_adding_up = await api.client.post(
        "/v1/accounts/aff-1/telepayments/preview",
        json={"reference": MARCH, "amount": "100.00", "parts": [{"iban": IBAN_A, "amount": "90"}]},
        headers=_assure(api),
    )
    assert not_adding_up.status_code == 422
    assert "doit être égale au montant à payer (100,00 €)" in not_adding_up.json()["detail"]
    part = await api.client.post(
        "/v1/accounts/aff-1/telepayments",
        json={"reference": MARCH, "amount": "100.00"},
        headers={**_assure(api), **_key("part")},
    )
    assert part.status_code == 201, part.text
    assert (part.json()["amount"], part.json()["parts"][0]["amount"]) == ("100.00", "100.00")
    recorded = [p for t, p in await api.outbox() if t.endswith("payment_recorded.v1")]
    assert recorded[-1]["amount"] == "100.00"
    # one live telepayment per amount: the rest is paid by changing it, not by another
    assert MARCH not in await _payables(api)


async def test_who_may_pay(api: Api) -> None:
    assert (await _adhere(api)).status_code == 201
    await api.app.on_access_events([event(activated()), event(subscribed())])
    body = {"reference": MARCH}
    reader = api.headers("cabinet_user", "paul", cab="cab-1", rights=["read"])
    shown = await api.client.get("/v1/accounts/aff-1/payables", headers=reader)
    assert shown.status_code == 200
    refused = await api.client.post(
        "/v1/accounts/aff-1/telepayments", json=body, headers={**reader, **_key("a")}
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/right-missing")
    outsider = api.headers("cabinet_user", "zoe", cab="cab-2", rights=["pay", "read"])
    hidden = await api.client.post(
        "/v1/accounts/aff-1/telepayments", json=body, headers={**outsider, **_key("b")}
    )
    assert hidden.status_code == 404
    other_assure = await api.client.get(
        "/v1/accounts/aff-1/payables", headers=_assure(api, "aff-2")
    )
    assert other_assure.status_code == 404
    payer = api.headers("cabinet_user", "paul", cab="cab-1", rights=["pay", "read"])
    paid = await api.client.post(
        "/v1/accounts/aff-1/telepayments", json=body, headers={**payer, **_key("c")}
    )
    assert paid.status_code == 201, paid.text


async def test_two_identical_payments_at_the_same_instant_pay_once_the_other_is_a_french_409(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL both requests are held until each has decided to pay (a barrier before
    the insert), so the unique reference is what stops the second: a 409 in French. SQLite
    takes its write lock at the first statement (``BEGIN IMMEDIATE``): the second request
    waits, then sees the amount paid and is refused as « déjà réglé » (422)."""
    assert (await _adhere(api)).status_code == 201
    racing = not database_url.startswith("sqlite")
    if racing:
        barrier = asyncio.Barrier(2)
        original = SqlAlchemyTelepaymentRepository.add_payment

        async def held(self: SqlAlchemyTelepaymentRepository, p: Any) -> None:
            async with asyncio.timeout(20):
                await barrier.wait()
            await original(self, p)

        monkeypatch.setattr(SqlAlchemyTelepaymentRepository, "add_payment", held)
    body = {"reference": MARCH}
    answers = await asyncio.gather(
        *(
            api.client.post(
                "/v1/accounts/aff-1/telepayments",
                json=body,
                headers={**_assure(api), **_key(f"same-instant-{n}")},
            )
            for n in (1, 2)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == ([201, 409] if racing else [201, 422]), [a.text for a in answers]
    refused = next(a for a in answers if a.status_code != 201)
    assert refused.headers["content-type"].startswith("application/problem+json")
    if racing:
        assert refused.json()["code"] == "concurrent-request"
        assert "Une demande identique vient d'être enregistrée" in refused.json()["detail"]
    assert await _count(api, telepayments) == 1
    recorded = [p for t, p in await api.outbox() if t.endswith("payment_recorded.v1")]
    assert len(recorded) == 1
