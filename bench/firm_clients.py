"""A firm with many clients, made quickly for the benchmarks without a broker or a worker.

The firm signs up through identity's api; its administrator's activation link is read from
identity's outbox (sealed to notifications' key, opened with the local stack's private key, as
notifications would), and the account is activated through the api. Mandates learns the firm
and its administrator from identity's events, taken from the same outbox and handed to
mandates' own consumers (``MandatesApp.on_cabinet``, ``on_account``) on mandates' database,
as its worker would. The clients are then written by mandates' own repositories
(``SqlAlchemyDirectory.put_affiliate``, ``SqlAlchemyMandateRepository.add_many``), built by
the domain (``Mandate.request``, ``letter_moved``, ``activate``): the rows and history the
api would have written, thousands in one transaction instead of one request each.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from contracts.envelope import Envelope
from mandates.bootstrap import MandatesApp
from mandates.bootstrap import bootstrap as mandates_bootstrap
from mandates.config import MandatesSettings
from mandates.domain import keys
from mandates.domain.directory import Affiliate
from mandates.domain.model import Mandate
from mandates.service_layer import consumers
from servicekit.messaging import IncomingEvent
from servicekit.sealing import unseal
from stack import firm_signed_up, sirens

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefevre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
)  # fmt: skip
"""The clients' names: a search for one of them finds one client in forty."""
FIRST_NAMES = ("Jeanne", "Louis", "Camille", "Hugo", "Léa", "Jules", "Manon", "Arthur")
CHUNK = 1_000
ACTIVATION_EVENT = "identity.account.activation_requested.v1"


@dataclass(frozen=True)
class Firm:
    cabinet_id: str
    email: str


def _outbox(database: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT event_id, topic, key, event_type, payload, created_at FROM outbox ORDER BY id"
        ).fetchall()


async def sign_up(
    client: httpx.AsyncClient, identity: str, identity_db: Path, seal_private: str
) -> Firm:
    """A firm signs up and its administrator activates the account from the link identity
    sealed for the letter carrier (no mail is sent: no worker runs)."""
    cabinet_id, email = await firm_signed_up(client, identity, "Cabinet Bench Expertise")
    sealed = [
        json.loads(row["payload"])["sealed_link"]
        for row in _outbox(identity_db)
        if row["event_type"] == ACTIVATION_EVENT
    ]
    link = unseal(seal_private, sealed[-1])
    token = parse_qs(urlsplit(link).query)["token"][0]
    done = await client.post(f"{identity}/v1/accounts/activation", json={"token": token})
    done.raise_for_status()
    return Firm(cabinet_id, email)


def _incoming(row: sqlite3.Row) -> IncomingEvent:
    return IncomingEvent(
        envelope=Envelope(
            id=row["event_id"],
            type=row["event_type"],
            source="identity",
            time=row["created_at"],
            subject=row["key"],
        ),
        data=json.loads(row["payload"]),
        topic=row["topic"],
        partition=0,
        offset=0,
    )


async def _learn_the_firm(man: MandatesApp, identity_db: Path, cabinet_id: str) -> str:
    """identity's firm and account events, handed to mandates' consumers; the account id of
    the firm's administrator."""
    admin = ""
    for row in _outbox(identity_db):
        if row["topic"] == "identity.cabinet" and row["event_type"] in consumers.CABINET_TYPES:
            await man.on_cabinet(_incoming(row))
            payload = json.loads(row["payload"])
            if payload.get("cabinet_id") == cabinet_id and payload.get("admin_account_id"):
                admin = str(payload["admin_account_id"])
        elif row["topic"] == "identity.account" and row["event_type"] in consumers.ACCOUNT_TYPES:
            await man.on_account(_incoming(row))
    return admin


def _client(
    i: int, siren: str, firm: Firm, portfolio_id: str, admin: str, now: datetime
) -> tuple[Affiliate, Mandate]:
    """The ``i``-th client (added ``i`` minutes after the first): six in ten active, three with
    the letter posted, one just asked."""
    now += timedelta(minutes=i)
    name = f"{SURNAMES[i % len(SURNAMES)]} {FIRST_NAMES[i // len(SURNAMES) % len(FIRST_NAMES)]}"
    affiliate = Affiliate(str(uuid.uuid4()), siren, name, radiated=False, consent=True)
    key = keys.new_key()
    mandate = Mandate.request(
        mandate_id=str(uuid.uuid4()),
        cabinet_id=firm.cabinet_id,
        affiliate=affiliate,
        siren=siren,
        client_name=f"{name} {i:05d}",
        portfolio_id=portfolio_id,
        key=key,
        key_event_id=str(uuid.uuid4()),
        now=now,
    )
    if i % 10 < 9:
        mandate.letter_moved("posted", now)
    if i % 10 < 6:
        mandate.activate(key, now, admin)
    return affiliate, mandate


async def fill(database_url: str, seal_public: str, identity_db: Path, firm: Firm, n: int) -> None:
    """mandates' database (migrated here, before its api starts) with the firm, its default
    portfolio and ``n`` clients in it."""
    man = mandates_bootstrap(
        MandatesSettings(database_url=database_url, notifications_public_key=seal_public)
    )
    try:
        await man.migrate()
        admin = await _learn_the_firm(man, identity_db, firm.cabinet_id)
        async with man.new_uow(read_only=True) as uow:
            portfolio = await uow.portfolios.default_of(firm.cabinet_id)
        if portfolio is None or not admin:
            raise RuntimeError("mandates did not learn the firm from identity's events")
        numbers = sirens(n, random.Random(2026))
        now = man.clock.now() - timedelta(minutes=n)
        for start in range(0, n, CHUNK):
            made = [
                _client(i, numbers[i], firm, portfolio.id, admin, now)
                for i in range(start, min(n, start + CHUNK))
            ]
            async with man.new_uow() as uow:
                for affiliate, _ in made:
                    await uow.directory.put_affiliate(affiliate)
                await uow.mandates.add_many([mandate for _, mandate in made])
                await uow.commit()
    finally:
        await man.stop()
