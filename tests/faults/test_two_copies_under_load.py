"""Two copies of every worker, on PostgreSQL, under 2,000 key entries; in the middle of them
one copy of notifications' worker and one of cotisations' are SIGKILLed, then started again.

The oracles, counted: every mandate activated once (one ``activated`` change in mandates'
outbox per client, its event applied once by each consumer: one inbox row per consumer and
event), every access granted once (cotisations' read model holds each mandate active, and
the firm reads each client's account), every mail sent once (one « mandat activé » mail to
each client, one to the firm's subscribed collaborator per client), nothing dead-lettered,
per-key order on the mandates' topic (``key_issued`` before ``activated`` for every client)."""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from bus_tools import publish_many
from contracts.base import EventPayload
from contracts.common import PostalAddress
from contracts.partners.v1 import RegistryAffiliationV1
from drill import assert_per_key_order, ce, db_count, quiet, topic_records
from journeys import (
    activated_login,
    key_in_pdf,
    key_letters,
    luhn_complete,
    random_siret,
    read_mails,
    signup_body,
)
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform
from stdnum.fr import nir as stdnum_nir

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(1200)]

KEYS = int(os.environ.get("DRILL_KEYS", "2000"))
"""2,000 in the suite; fewer for a quick local run (``DRILL_KEYS=60``)."""
SERVICES = ("identity", "notifications", "mandates", "cotisations")
CONCURRENCY = 8
"""Key entries in flight at once (a firm's few users, each typing keys quickly)."""
KILLED = ("notifications-worker", "cotisations-worker-2")
KEY_ISSUED = "mandates.mandate.key_issued.v1"
ACTIVATED = "mandates.mandate.activated.v1"
FIRM_EMAIL = "admin.charge@cabinet-charge.fr"
COLLABORATOR_EMAIL = "paul.leroy@cabinet-charge.fr"
ACTIVATED_SUBJECT = "Mandat activé : "
SETUP_S = 600


def _registry(n: int, rng: random.Random) -> list[RegistryAffiliationV1]:
    """``n`` artisans with distinct SIRENs, NIRs and e-mail addresses."""
    sirens: set[str] = set()
    while len(sirens) < n:
        siren = luhn_complete(f"{rng.randrange(10**7, 10**8):08d}")
        if not siren.startswith("356000000"):  # La Poste's, refused as a client
            sirens.add(siren)
    records = []
    for i, siren in enumerate(sorted(sirens)):
        body = f"1850575{i:06d}"
        records.append(
            RegistryAffiliationV1(
                siren=siren,
                sirets=[],
                nir=body + stdnum_nir.calc_check_digits(body),
                birth_name="Martin",
                first_names="Jeanne",
                birth_date=date(1985, 5, 1),
                category="artisan",
                address=PostalAddress(
                    lines=["3 rue du Port"], postal_code="13002", city="Marseille"
                ),
                departement="13",
                email=f"client.{i:05d}@artisans-charge.fr",
                affiliated_on=date(2020, 1, 1),
            )
        )
    return records


def _to(mail: EmailMessage) -> str:
    """The recipient's address (without a display name)."""
    return str(mail["To"].addresses[0].addr_spec)


def _name(i: int) -> str:
    return f"Client {i:05d}"


async def _at_least(platform: RunningPlatform, service: str, sql: str, n: int, what: str) -> None:
    async def enough() -> bool:
        return await db_count(platform, service, sql) >= n

    await eventually(enough, timeout_s=SETUP_S, interval_s=1, message=what)


async def test_two_thousand_key_entries_through_a_killed_worker_copy_apply_everything_once(
    kafka_bootstrap: str,
    tmp_path: Path,
    postgres_database_factory: Callable[[], Awaitable[str]],
) -> None:
    urls = {service: await postgres_database_factory() for service in SERVICES}
    platform = run_platform(
        tmp_path / "var",
        kafka_bootstrap,
        services=SERVICES,
        database_urls=urls,
        env={f"{s.upper()}_OUTBOX_LEASE_TTL_S": "3" for s in SERVICES},
    )
    try:
        for service in SERVICES:
            platform.start(f"{service}-worker", as_name=f"{service}-worker-2")
        records = _registry(KEYS, random.Random(2_000))
        events: list[tuple[EventPayload, str]] = [(r, r.siren) for r in records]
        await publish_many(kafka_bootstrap, events, "registry")
        await _at_least(platform, "mandates", "SELECT count(*) FROM affiliates", KEYS, "registry")
        await _at_least(
            platform, "cotisations", "SELECT count(*) FROM accounts", KEYS, "the accounts"
        )
        limits = httpx.Limits(max_connections=50, keepalive_expiry=2)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            identity, mandates = platform.api("identity"), platform.api("mandates")
            signup = await client.post(
                f"{identity}/v1/cabinets",
                json=signup_body(FIRM_EMAIL, random_siret(random.Random(7)), "Cabinet Charge"),
            )
            assert signup.status_code == 201, signup.text
            cabinet_id = signup.json()["cabinet_id"]
            admin = await activated_login(client, platform, FIRM_EMAIL, FIRM_EMAIL)
            cabinet = f"{mandates}/v1/cabinets/{cabinet_id}"
            # a collaborator subscribed to the default portfolio is told of each activation
            # (the administrator who types the keys is not: they did it)
            invited = await client.post(
                f"{identity}/v1/cabinets/{cabinet_id}/users",
                json={
                    "first_name": "Paul",
                    "last_name": "Leroy",
                    "email": COLLABORATOR_EMAIL,
                    "rights": ["clients", "read"],
                },
                headers=admin,
            )
            assert invited.status_code == 201, invited.text
            await activated_login(
                client, platform, COLLABORATOR_EMAIL, COLLABORATOR_EMAIL, invited=True
            )

            async def subscribed() -> bool:
                portfolios = await client.get(f"{cabinet}/portfolios", headers=admin)
                if portfolios.status_code != 200 or not portfolios.json():
                    return False
                default = next(p["id"] for p in portfolios.json() if p["is_default"])
                account = invited.json()["account_id"]
                url = f"{cabinet}/portfolios/{default}/subscribers/{account}"
                return (await client.put(url, headers=admin)).status_code == 204

            await eventually(subscribed, timeout_s=60, interval_s=0.2, message="subscribed")

            async def imported() -> httpx.Response | None:
                lines = ["siren;nom"] + [f"{r.siren};{_name(i)}" for i, r in enumerate(records)]
                resp = await client.post(
                    f"{cabinet}/imports?mode=valid_rows",
                    content=("\n".join(lines) + "\n").encode(),
                    headers={**admin, "Content-Type": "text/csv"},
                )
                return resp if resp.status_code == 201 else None  # the default portfolio yet?

            report = (await eventually(imported, timeout_s=60, message="the import")).json()
            assert report["added"] == KEYS, report["outcome"]
            client_ids = {str(row["identifier"]): str(row["client_id"]) for row in report["rows"]}
            await _at_least(
                platform,
                "mandates",
                "SELECT count(*) FROM mandates WHERE state = 'letter_sent'",
                KEYS,
                "every key letter posted",
            )
            letters = key_letters(platform.cfg.var / "letters")
            pdfs = [letters[f"MDT-{client_ids[r.siren][:8].upper()}"] for r in records]
            with ProcessPoolExecutor(max_workers=2) as pool:
                keys = await asyncio.to_thread(
                    lambda: list(pool.map(key_in_pdf, pdfs, chunksize=50))
                )

            order = list(range(KEYS))
            random.Random(11).shuffle(order)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in order:
                queue.put_nowait(i)
            typed = 0
            killed = asyncio.Event()

            async def typist() -> None:
                nonlocal typed
                while not queue.empty():
                    i = queue.get_nowait()
                    url = f"{cabinet}/clients/{client_ids[records[i].siren]}/activation"
                    resp = await client.post(url, json={"key": keys[i]}, headers=admin)
                    assert resp.status_code == 200, f"{_name(i)}: {resp.status_code} {resp.text}"
                    typed += 1
                    if typed == KEYS // 3 and not killed.is_set():
                        killed.set()
                        for name in KILLED:
                            platform.kill(name)

            async def restart_after_the_kill() -> None:
                await killed.wait()
                await asyncio.to_thread(platform.start, "notifications-worker")
                await asyncio.to_thread(
                    platform.start, "cotisations-worker", as_name="cotisations-worker-2"
                )

            await asyncio.gather(*(typist() for _ in range(CONCURRENCY)), restart_after_the_kill())
            assert typed == KEYS

            await _at_least(
                platform,
                "cotisations",
                "SELECT count(*) FROM access_mandates WHERE active",
                KEYS,
                "every access granted",
            )
            for i in random.Random(3).sample(range(KEYS), 20):  # the firm reads the accounts
                row = await client.get(
                    f"{cabinet}/clients/{client_ids[records[i].siren]}", headers=admin
                )
                affiliate = row.json()["affiliate_id"]
                account = await client.get(
                    f"{platform.api('cotisations')}/v1/accounts/{affiliate}", headers=admin
                )
                assert account.status_code == 200, account.text

            async def all_mailed() -> bool:
                mails = read_mails(platform.mail_dir)
                clients = {_to(m) for m in mails if _to(m).startswith("client.")}
                firm = sum(1 for m in mails if str(m["Subject"]).startswith(ACTIVATED_SUBJECT))
                return len(clients) == KEYS and firm >= KEYS

            await eventually(all_mailed, timeout_s=SETUP_S, interval_s=2, message="mails")
            await quiet(platform, SERVICES, timeout_s=SETUP_S)

        # every mail once: one to each client, one « Mandat activé » per client to the firm's
        # subscribed collaborator; a copy of one message only (its Message-ID the same) for the
        # one a SIGKILL may catch between the SMTP server's acceptance and the commit
        mails = read_mails(platform.mail_dir)
        to_clients = Counter(_to(m) for m in mails if _to(m).startswith("client."))
        assert len(to_clients) == KEYS
        copies = Counter(str(m["Message-ID"]) for m in mails)
        assert sum(n - 1 for n in copies.values()) <= 1, [i for i, n in copies.items() if n > 1]
        ids_by_client: dict[str, set[str]] = {}
        for m in mails:
            ids_by_client.setdefault(_to(m), set()).add(str(m["Message-ID"]))
        assert {
            to: ids for to, ids in ids_by_client.items() if len(ids) != 1 and to in to_clients
        } == {}
        to_firm = Counter(
            str(m["Subject"]).removeprefix(ACTIVATED_SUBJECT)
            for m in mails
            if _to(m) == COLLABORATOR_EMAIL and str(m["Subject"]).startswith(ACTIVATED_SUBJECT)
        )
        assert sum(n - 1 for n in to_firm.values()) <= 1  # the in-doubt copy, if any
        assert set(to_firm) == {_name(i) for i in range(KEYS)}

        # every mandate activated once, its event applied once by each of its consumers
        assert (
            await db_count(
                platform,
                "mandates",
                f"SELECT count(*) FROM outbox WHERE event_type = '{ACTIVATED}'",
            )
            == KEYS
        )
        for service in ("cotisations", "notifications", "identity"):
            rows = await db_count(
                platform,
                service,
                f"SELECT count(*) FROM inbox WHERE event_type = '{ACTIVATED}'",
            )
            assert rows == KEYS, service
        topic = await topic_records(kafka_bootstrap, "mandates.mandate")
        activated = Counter(ce(r, "ce_id") for r in topic if ce(r, "ce_type") == ACTIVATED)
        assert len(activated) == KEYS
        assert_per_key_order(topic, KEY_ISSUED, ACTIVATED)
        for service in SERVICES:
            assert await db_count(platform, service, "SELECT count(*) FROM dead_letters") == 0
    finally:
        platform.stop()
