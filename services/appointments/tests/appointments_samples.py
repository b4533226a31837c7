"""A running appointments api for the tests: a fake clock, a test token verifier, a small
verification-code difficulty, the packaged agencies loaded; what a booking sends."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from appointments.adapters import orm
from appointments.bootstrap import AppointmentsApp, bootstrap
from appointments.config import AppointmentsSettings
from appointments.entrypoints.http import AUDIENCE, create_app
from servicekit.clock import FakeClock
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import bearer, verifier
from sqlalchemy import select

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
"""Tuesday 10 March 2026, 10 h 00 in Paris."""
SECRET_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
SEAL_PRIVATE, SEAL_PUBLIC = generate_keypair()
PARIS_SLOT = "2026-03-12T09:30:00+01:00"
"""Thursday 12 March at 9 h 30 at the Paris agency (capacity 4)."""
NIR = "1 85 05 75 123 456 73"
"""A NIR whose key is right (97 − 1850575123456 mod 97 = 73)."""


def valid_nir(nir: str) -> str:
    """The NIR with its right key (samples are typed without computing it)."""
    digits = nir.replace(" ", "")[:13]
    number = int(digits.replace("2A", "19").replace("2B", "18"))
    return f"{digits}{97 - number % 97:02d}"


def agent(at: datetime = NOW) -> dict[str, str]:
    return bearer("agent", "agent-1", exp_at=at)


def assure(affiliate_id: str = "aff-1") -> dict[str, str]:
    return bearer("assure", f"acc-{affiliate_id}", exp_at=NOW, aff=affiliate_id, cat="artisan")


@dataclass
class Api:
    client: httpx.AsyncClient
    app: AppointmentsApp
    clock: FakeClock

    async def captcha(self) -> str:
        challenge = (await self.client.get("/v1/captcha")).json()
        solved: str = self.app.deps.captcha.solve(challenge)  # type: ignore[attr-defined]
        return solved

    async def booking(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "agency_id": "agence-paris",
            "starts_at": PARIS_SLOT,
            "reason_code": "cotisations-echeancier",
            "channel": "agence",
            "nir": NIR,
            "first_names": "Jean",
            "last_name": "Dupont",
            "address": "1 rue de la Paix, 75002 Paris",
            "mobile": "06 12 34 56 78",
            "email": "jean.dupont@example.fr",
            "terms_accepted": True,
        }
        body.update(changes)
        if "captcha" not in body:
            body["captcha"] = await self.captcha()
        return body

    async def book(self, **changes: Any) -> httpx.Response:
        return await self.client.post("/v1/appointments", json=await self.booking(**changes))

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.app.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        orm.messaging.outbox.c.event_type, orm.messaging.outbox.c.payload
                    ).order_by(orm.messaging.outbox.c.id)
                )
            ).all()
        return [(r.event_type, json.loads(r.payload)) for r in rows]

    async def taken(self, agency_id: str, starts_at: str) -> int:
        at = datetime.fromisoformat(starts_at)
        async with self.app.new_uow(read_only=True) as uow:
            taken, _ = await uow.holds.of(agency_id, at)
        return taken

    async def count(self) -> int:
        async with self.app.engine.connect() as conn:
            return len((await conn.execute(select(orm.appointments.c.appointment_id))).all())

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


def settings(database_url: str, **changes: Any) -> AppointmentsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": SECRET_KEY,
        "notifications_public_key": SEAL_PUBLIC,
        "captcha_max_number": 20,
        "booking_limit": 1000,
        "public_url": "https://rdv.example",
    }
    values.update(changes)
    return AppointmentsSettings(**values)


@asynccontextmanager
async def running_api(database_url: str, **changes: Any) -> AsyncIterator[Api]:
    clock = FakeClock(NOW)
    app = bootstrap(settings(database_url, **changes), clock=clock)
    fastapi_app = create_app(app, verifier=verifier(clock, audience=AUDIENCE))
    async with LifespanManager(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://a") as client:
            yield Api(client, app, clock)
