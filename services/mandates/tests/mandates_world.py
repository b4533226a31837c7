"""A mandates service on a real database, fed the registry and firm events it consumes, with
an HTTP client and token helpers for the firms' users and the clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from mandates.adapters import orm
from mandates.bootstrap import MandatesApp, bootstrap
from mandates.config import MandatesSettings
from mandates.entrypoints.http import AUDIENCE, create_app
from servicekit.messaging import IncomingEvent
from servicekit.sealing import generate_keypair, unseal
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import token, verifier
from sqlalchemy import select

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIREN_OK = "732829320"
SIRET_OK = "73282932000074"


def incoming(payload: EventPayload) -> IncomingEvent:
    return IncomingEvent(
        envelope=Envelope(
            id=str(uuid.uuid4()), type=payload.event_type, source="tests", time=NOW, subject="s"
        ),
        data=payload.model_dump(mode="json"),
        topic=payload.topic,
        partition=0,
        offset=0,
    )


def affiliate(
    affiliate_id: str, siren: str, *, consent: bool = True, radiated: bool = False
) -> identity_v1.AffiliateStateV1:
    cls = identity_v1.AffiliateRadiatedV1 if radiated else identity_v1.AffiliateRegisteredV1
    return cls(
        affiliate_id=affiliate_id,
        siren=siren,
        birth_name="Dupont",
        first_names="Jean",
        category="artisan",
        address=PostalAddress(lines=["12 rue des Lilas"], postal_code="69003", city="Lyon"),
        departement="69",
        third_party_registration_allowed=consent,
        affiliated_on=date(2020, 1, 1),
        radiated_on=date(2026, 2, 1) if radiated else None,
    )


@dataclass
class World:
    app: MandatesApp
    client: httpx.AsyncClient
    private_key: str

    async def feed(self, payload: EventPayload) -> None:
        event = incoming(payload)
        if payload.topic == identity_v1.AFFILIATE:
            await self.app.on_affiliate(event)
        elif payload.topic == identity_v1.CABINET:
            await self.app.on_cabinet(event)
        elif payload.topic == identity_v1.ACCOUNT:
            await self.app.on_account(event)
        else:
            await self.app.on_letter_status(event)

    async def feed_fetch(self, events: list[IncomingEvent]) -> None:
        """Events of one topic as one fetch hands them to the worker's batch consumer."""
        if events[0].topic == identity_v1.AFFILIATE:
            await self.app.on_affiliates(events)
        else:
            await self.app.on_letter_statuses(events)

    async def firm(self, cabinet_id: str, admin: str, name: str = "Cabinet Martin") -> None:
        await self.feed(
            identity_v1.CabinetRegisteredV1(
                cabinet_id=cabinet_id,
                raison_sociale=name,
                siret=SIRET_OK,
                admin_account_id=admin,
                registered_at=NOW,
            )
        )
        await self.user_mail(admin, f"{admin}@cabinet.fr", f"Admin {admin}")

    async def user_mail(self, account_id: str, email: str, name: str) -> None:
        await self.feed(
            identity_v1.AccountActivationRequestedV1(
                account_id=account_id,
                kind="cabinet_user",
                purpose="collaborator_invitation",
                email=email,
                display_name=name,
                sealed_link="x",
                expires_at=NOW,
            )
        )

    async def collaborator(self, cabinet_id: str, account_id: str, rights: list[str]) -> None:
        await self.feed(
            identity_v1.CabinetUserChangedV1(
                cabinet_id=cabinet_id,
                cabinet_name="Cabinet Martin",
                account_id=account_id,
                user_name=f"Collab {account_id}",
                change="user_invited",
                rights=rights,
                changed_at=NOW,
            )
        )
        await self.user_mail(account_id, f"{account_id}@cabinet.fr", f"Collab {account_id}")

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.app.sessions() as session:
            rows = await session.execute(
                select(orm.outbox.c.payload)
                .where(orm.outbox.c.event_type == event_type)
                .order_by(orm.outbox.c.id)
            )
            return [json.loads(r.payload) for r in rows]

    async def key_of(self, mandate_id: str) -> str:
        """The key as the letter prints it (opened with notifications' private key)."""
        issued = [
            e
            for e in await self.events("mandates.mandate.key_issued.v1")
            if e["mandate_id"] == mandate_id
        ]
        return unseal(self.private_key, issued[-1]["sealed_key"])


def admin_headers(cabinet_id: str, account_id: str) -> dict[str, str]:
    rights = ["admin", "clients", "declare", "pay", "read"]
    jwt = token("cabinet_user", subject=account_id, cab=cabinet_id, rights=rights)
    return {"Authorization": f"Bearer {jwt}"}


def user_headers(cabinet_id: str, account_id: str, rights: list[str]) -> dict[str, str]:
    jwt = token("cabinet_user", subject=account_id, cab=cabinet_id, rights=rights)
    return {"Authorization": f"Bearer {jwt}"}


def assure_headers(affiliate_id: str) -> dict[str, str]:
    jwt = token("assure", subject="acc-" + affiliate_id, aff=affiliate_id)
    return {"Authorization": f"Bearer {jwt}"}


@asynccontextmanager
async def world(database_url: str, **overrides: Any) -> AsyncIterator[World]:
    """The service on ``database_url``; ``overrides`` are settings (``import_max_rows``…)."""
    private, public = generate_keypair()
    settings = MandatesSettings(
        database_url=database_url, notifications_public_key=public, **overrides
    )
    app = bootstrap(settings)
    api = create_app(app, verifier=verifier(audience=AUDIENCE))
    async with LifespanManager(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            yield World(app, client, private)
