"""Tokens and events for cotisations' tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1 as mandates_v1
from servicekit.messaging import IncomingEvent
from servicekit.testing.tokens import bearer

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def token(actor: str, subject: str, exp_at: datetime = NOW, **claims: Any) -> dict[str, str]:
    return bearer(actor, subject, exp_at=exp_at, **claims)


def event(payload: EventPayload) -> IncomingEvent:
    envelope = Envelope(
        id=str(uuid.uuid4()), type=payload.event_type, source="t", time=NOW, subject="s"
    )
    return IncomingEvent(envelope, payload.model_dump(mode="json"), payload.topic, 0, 0)


def affiliate(
    affiliate_id: str, category: str, **changes: Any
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


def activated(affiliate_id: str = "aff-1") -> mandates_v1.MandateActivatedV1:
    """Firm cab-1's mandate m on ``affiliate_id``, the client in its portfolio p-1."""
    return mandates_v1.MandateActivatedV1(
        mandate_id="m",
        affiliate_id=affiliate_id,
        cabinet_id="cab-1",
        cabinet_name="Cabinet Un",
        client_name="Jean Dupont",
        activated_at=NOW,
        portfolio_id="p-1",
    )


def ended(affiliate_id: str = "aff-1") -> mandates_v1.MandateEndedV1:
    """The client ended firm cab-1's mandate m."""
    return mandates_v1.MandateEndedV1(
        mandate_id="m",
        affiliate_id=affiliate_id,
        cabinet_id="cab-1",
        cabinet_name="Cabinet Un",
        client_name="Jean Dupont",
        ended_by="client",
        ended_at=NOW,
    )


def subscribed(account_id: str = "paul") -> mandates_v1.PortfolioSubscriberAddedV1:
    """``account_id``, a collaborator of cab-1, subscribed to its portfolio p-1."""
    return mandates_v1.PortfolioSubscriberAddedV1(
        cabinet_id="cab-1",
        cabinet_name="Cabinet Un",
        portfolio_id="p-1",
        portfolio_name="Clients",
        occurred_at=NOW,
        subscriber_account_id=account_id,
        subscriber_name=account_id.title(),
    )
