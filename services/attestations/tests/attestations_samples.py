"""Tokens, events and a running api for attestations' tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from attestations.adapters import orm
from attestations.bootstrap import AttestationsApp, bootstrap
from attestations.config import AttestationsSettings
from attestations.entrypoints.http import AUDIENCE, create_app
from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.cotisations import v1 as cotisations_v1
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from contracts.partners import v1 as partners_v1
from servicekit.clock import FakeClock
from servicekit.messaging import IncomingEvent
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import bearer, verifier
from sqlalchemy import select

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def event(payload: EventPayload, at: datetime = NOW, event_id: str | None = None) -> IncomingEvent:
    envelope = Envelope(
        id=event_id or str(uuid.uuid4()), type=payload.event_type, source="t", time=at, subject="s"
    )
    return IncomingEvent(envelope, payload.model_dump(mode="json"), payload.topic, 0, 0)


def affiliate(
    affiliate_id: str = "aff-1", category: str = "artisan", **changes: Any
) -> identity_v1.AffiliateRegisteredV1:
    base: dict[str, Any] = {
        "affiliate_id": affiliate_id,
        "siren": "732829320",
        "birth_name": "Dupont",
        "first_names": "Jean",
        "category": category,
        "address": PostalAddress(lines=["1 rue X"], postal_code="57000", city="Metz"),
        "departement": "57",
        "affiliated_on": date(2020, 1, 1),
    }
    return identity_v1.AffiliateRegisteredV1(**{**base, **changes})


def standing(
    overdue: str = "0.00", balance: str | None = None, **changes: Any
) -> cotisations_v1.AccountStanding:
    return cotisations_v1.AccountStanding(
        as_of=changes.pop("as_of", date(2026, 3, 5)),
        balance_due=balance or overdue,
        overdue=overdue,
        oldest_overdue_due_date=changes.pop(
            "oldest", date(2026, 2, 5) if overdue != "0.00" else None
        ),
        pending="0.00",
        up_to_date=overdue == "0.00",
    )


def recorded(
    payment_id: str = "pay-1",
    amount: str = "412.00",
    value_date: date = date(2026, 2, 5),
    affiliate_id: str = "aff-1",
    status: str = "settled",
    **changes: Any,
) -> cotisations_v1.PaymentRecordedV1:
    return cotisations_v1.PaymentRecordedV1(
        affiliate_id=affiliate_id,
        payment_id=payment_id,
        mode="prelevement",
        amount=amount,
        value_date=value_date,
        status=status,  # type: ignore[arg-type]
        paid=[],
        standing=changes.pop("standing", standing()),
        recorded_at=NOW,
    )


def rejected(payment_id: str = "pay-1", amount: str = "412.00") -> cotisations_v1.PaymentRejectedV1:
    return cotisations_v1.PaymentRejectedV1(
        affiliate_id="aff-1",
        payment_id=payment_id,
        mode="prelevement",
        amount=amount,
        reason_code="AM04",
        reason_label="Provision insuffisante",
        rejected_on=date(2026, 2, 9),
        debt=cotisations_v1.Debt(reference="debt:1", amount=amount, due_date=date(2026, 2, 9)),
        standing=standing(amount, oldest=date(2026, 2, 9), as_of=date(2026, 3, 9)),
        rejected_at=NOW,
    )


def pension(
    payment_id: str, paid_on: date, gross: str = "1500.00", pensioner_id: str = "aff-3"
) -> partners_v1.PensionPaymentV1:
    return partners_v1.PensionPaymentV1(
        pensioner_id=pensioner_id,
        payment_id=payment_id,
        period=f"{paid_on.year}-{paid_on.month:02d}",
        paid_on=paid_on,
        gross=gross,
        net=f"{Decimal(gross) * Decimal('0.9'):.2f}",
        taxable=f"{Decimal(gross) * Decimal('0.95'):.2f}",
    )


def activated(affiliate_id: str = "aff-1") -> mandates_v1.MandateActivatedV1:
    return mandates_v1.MandateActivatedV1(
        mandate_id="m",
        affiliate_id=affiliate_id,
        cabinet_id="cab-1",
        cabinet_name="Cabinet Un",
        client_name="Jean Dupont",
        activated_at=NOW,
        portfolio_id="p-1",
    )


def subscribed(account_id: str = "paul") -> mandates_v1.PortfolioSubscriberAddedV1:
    return mandates_v1.PortfolioSubscriberAddedV1(
        cabinet_id="cab-1",
        cabinet_name="Cabinet Un",
        portfolio_id="p-1",
        portfolio_name="Clients",
        occurred_at=NOW,
        subscriber_account_id=account_id,
        subscriber_name=account_id.title(),
    )


def assure(
    affiliate_id: str = "aff-1", category: str = "artisan", at: datetime = NOW
) -> dict[str, str]:
    return bearer("assure", f"acc-{affiliate_id}", exp_at=at, aff=affiliate_id, cat=category)


def firm_user(subject: str = "paul", rights: tuple[str, ...] = ("read",)) -> dict[str, str]:
    return bearer("cabinet_user", subject, exp_at=NOW, cab="cab-1", rights=list(rights))


@dataclass
class Api:
    client: httpx.AsyncClient
    app: AttestationsApp
    clock: FakeClock

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(orm.messaging.outbox.c.event_type, orm.messaging.outbox.c.payload)
                )
            ).all()
        return [(r.event_type, json.loads(r.payload)) for r in rows]

    def later(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))


@asynccontextmanager
async def running_api(
    database_url: str, data_dir: Path, *consumed: EventPayload, pades: bool = True
) -> AsyncIterator[Api]:
    """The api on ``database_url``; ``consumed`` applied first by the worker's consumers."""
    clock = FakeClock(NOW)
    settings = AttestationsSettings(database_url=database_url, data_dir=str(data_dir), pades=pades)
    app = bootstrap(settings, clock=clock)
    fastapi_app = create_app(app, verifier=verifier(clock, audience=AUDIENCE))
    async with LifespanManager(fastapi_app):
        for payload in consumed:
            await feed(app, payload)
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://a") as client:
            yield Api(client, app, clock)


async def feed(app: AttestationsApp, payload: EventPayload, **kw: Any) -> None:
    e = event(payload, **kw)
    if payload.topic == identity_v1.AFFILIATE:
        await app.on_affiliate(e)
    elif payload.topic == cotisations_v1.PAYMENT:
        await app.on_payment(e)
    elif payload.topic == partners_v1.PENSIONS_PAYMENT:
        await app.on_pension(e)
    else:
        await app.on_access_event(e)
