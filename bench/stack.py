"""What the benchmarks on the local stack share: the stack itself (a broker, the SMTP catcher,
every api and worker, in a throw-away folder), valid SIRENs, polling the services' databases,
a firm signed up and logged in, and what a process consumed."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from contracts.base import EventPayload
from contracts.envelope import Envelope
from devstack.kafka import KafkaBroker
from devstack.platform import PlatformConfig, start_copies, start_platform, stop_all
from devstack.ports import free_port
from devstack.postgres import PostgresServer, create_database, start_postgres
from devstack.processes import Started
from devstack.pytest_fixtures import start_test_broker
from devstack.services import SERVICES, ServiceSpec
from devstack.smtp_catcher import SmtpCatcher

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Une phrase de passe solide"
BENCH_ENV = {
    "IDENTITY_ARGON2_TIME_COST": "1",
    "IDENTITY_ARGON2_MEMORY_KIB": "8192",
    "LOG_LEVEL": "WARNING",
    "MANDATES_IMPORT_MAX_ROWS": "100000",
    "MANDATES_IMPORT_MAX_BYTES": "50000000",
}


@dataclass
class Stack:
    broker: KafkaBroker
    smtp: SmtpCatcher
    cfg: PlatformConfig
    started: list[Started]
    postgres: PostgresServer | None = None

    def url(self, process: str) -> str:
        return next(p.url or "" for p in self.started if p.name == process)

    @property
    def db(self) -> Path:
        return self.cfg.var / "db"

    def pids(self) -> dict[str, int]:
        """Every api and worker, and the broker."""
        return {p.name: p.pid for p in self.started} | {"kafka": self.broker.pid() or 0}

    def postgres_cpu_s(self) -> float:
        """CPU seconds of the PostgreSQL cluster so far (its server and every backend), 0 on
        SQLite."""
        return tree_cpu_s(self.postgres.pid) if self.postgres and self.postgres.pid else 0.0

    def count(self, service: str, sql: str) -> int:
        """A count read from a service's database, SQLite or PostgreSQL (0 while it has no
        such table yet)."""
        url = self.cfg.database_urls.get(service)
        if url is None:
            return count(self.db / f"{service}.db", sql)
        with ThreadPoolExecutor(max_workers=1) as pool:  # the caller's loop is running
            return pool.submit(asyncio.run, _pg_count(url, sql)).result()


async def _pg_count(url: str, sql: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await conn.fetchval(sql))
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await conn.close()


@asynccontextmanager
async def local_stack(
    env: Mapping[str, str],
    *,
    db: str = "sqlite",
    worker_copies: int = 1,
    copies_of: Mapping[str, int] | None = None,
) -> AsyncIterator[Stack]:
    """The whole platform in a temporary folder, stopped (every process) on the way out:
    every service on SQLite files or on a database of its own in a throw-away PostgreSQL
    cluster (``db="postgres"``), and ``worker_copies`` copies of every worker in its group —
    or, for the services named in ``copies_of``, that many copies of their worker."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker = start_test_broker(folder / "kafka")
        smtp = SmtpCatcher(folder / "var" / "mail", free_port())
        smtp.start()
        postgres: PostgresServer | None = None
        urls: dict[str, str] = {}
        if db == "postgres":
            postgres = start_postgres()
            urls = {s.name: await create_database(postgres.url, s.name) for s in SERVICES}
        cfg = PlatformConfig(
            root=ROOT,
            var=folder / "var",
            kafka_bootstrap=broker.bootstrap,
            smtp_port=smtp.port,
            services=tuple(ServiceSpec(s.name, free_port(), free_port()) for s in SERVICES),
            database_urls=urls,
            extra_env=dict(env),
        )
        started: list[Started] = []
        try:
            started = start_platform(cfg)
            by_count: dict[int, list[ServiceSpec]] = {}
            for spec in cfg.services:
                copies = (copies_of or {}).get(spec.name, worker_copies)
                by_count.setdefault(copies, []).append(spec)
            for copies, specs in by_count.items():  # each count's copies started at once
                some = replace(cfg, services=tuple(specs))
                started += start_copies(some, copies, roles=("worker",))
            yield Stack(broker, smtp, cfg, started, postgres)
        finally:
            stop_all(started)
            smtp.stop()
            broker.stop()
            if postgres is not None:
                postgres.stop()


async def publish_all(
    bootstrap: str, events: Iterable[tuple[EventPayload, str]], source: str
) -> None:
    """Put ``(payload, key)`` events on their topics, as the service named ``source`` would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    try:
        sends = []
        for payload, key in events:
            envelope = Envelope(
                id=str(uuid.uuid4()),
                type=payload.event_type,
                source=source,
                time=datetime.now(UTC),
                subject=key,
            )
            sends.append(
                await producer.send(
                    payload.topic,
                    payload.model_dump_json().encode(),
                    key=key.encode(),
                    headers=envelope.to_headers(),
                )
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def luhn(digits: str) -> str:
    """``digits`` and the Luhn check digit that makes them valid."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def sirens(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct valid SIRENs (none of La Poste's)."""
    found: set[str] = set()
    while len(found) < n:
        siren = luhn(f"{rng.randrange(10**7, 10**8):08d}")
        if not siren.startswith("356000000"):
            found.add(siren)
    return sorted(found)


def count(db: Path, sql: str) -> int:
    """A count read from a service's SQLite database (0 while it does not exist yet)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


async def until(probe: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if probe():
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(what)


async def caught_up(bootstrap: str, timeout_s: float = 600) -> None:
    """Wait until every consumer group has committed the end of every partition it reads,
    twice in a row half a second apart: the work a set-up step started (the registry's
    events, the accounts and attestations they lead to) is not measured with what follows."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the consumer groups did not catch up")
            quiet = quiet + 1 if await _no_lag(admin, consumer) else 0
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()
        await admin.close()


async def _no_lag(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> bool:
    groups = [g[0] for g in await admin.list_consumer_groups()]
    for group in groups:
        committed = await admin.list_consumer_group_offsets(group)
        ends = await consumer.end_offsets(list(committed))
        if any(meta.offset < ends[tp] for tp, meta in committed.items()):
            return False
    return True


async def login(client: httpx.AsyncClient, identity: str, email: str) -> dict[str, str]:
    resp = await client.post(
        f"{identity}/v1/auth/token", json={"username": email, "password": PASSWORD}
    )
    resp.raise_for_status()
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def firm_signed_up(
    client: httpx.AsyncClient, identity: str, name: str = "Cabinet Bench"
) -> tuple[str, str]:
    """A firm signs up on identity's api (its account still to activate): (cabinet id, the
    administrator's e-mail)."""
    email = f"bench.{uuid.uuid4().hex[:6]}@cabinet-bench.fr"
    resp = await client.post(
        f"{identity}/v1/cabinets",
        json={
            "raison_sociale": name,
            "siret": luhn(luhn(f"{random.randrange(10**7, 10**8):08d}") + "0001"),
            "address": "1 place Bellecour, 69002 Lyon",
            "admin_first_name": "Claire",
            "admin_last_name": "Martin",
            "email": email,
            "password": PASSWORD,
        },
    )
    resp.raise_for_status()
    return str(resp.json()["cabinet_id"]), email


async def firm(stack: Stack, client: httpx.AsyncClient) -> tuple[str, str]:
    """A firm signs up, its administrator opens the account from the mail, and mandates has
    the firm's default portfolio: (cabinet id, the administrator's e-mail)."""
    identity = stack.url("identity-api")
    cabinet_id, email = await firm_signed_up(client, identity)
    token = ""

    def mail() -> bool:
        nonlocal token
        for path in stack.smtp.directory.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in str(message["To"]):
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
                token = text.split("token=", 1)[1].split()[0]
                return True
        return False

    await until(mail, 60, "activation mail")
    (
        await client.post(f"{identity}/v1/accounts/activation", json={"token": token})
    ).raise_for_status()
    headers = await login(client, identity, email)
    portfolios = f"{stack.url('mandates-api')}/v1/cabinets/{cabinet_id}/portfolios"
    deadline = time.monotonic() + 60
    while (resp := await client.get(portfolios, headers=headers)).status_code != 200 or not (
        resp.json()
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("the firm in mandates")
        await asyncio.sleep(0.2)
    return cabinet_id, email


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """Busy CPU seconds of the whole machine so far, every core (``/proc/stat``: all but idle
    and I/O wait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class MachineCpu:
    """The whole machine's busy CPU seconds and PostgreSQL's, so far or over a stretch: what
    the platform's own processes leave out (the database, and whatever else runs)."""

    machine_s: float
    postgres_s: float

    @classmethod
    def now(cls, stack: Stack) -> MachineCpu:
        return cls(machine_cpu_s(), stack.postgres_cpu_s())

    def since(self, stack: Stack) -> MachineCpu:
        later = MachineCpu.now(stack)
        return MachineCpu(later.machine_s - self.machine_s, later.postgres_s - self.postgres_s)

    def figures(self, elapsed_s: float, items: int) -> dict[str, float]:
        return {
            "machine_busy_cores": round(self.machine_s / elapsed_s, 2),
            "postgres_busy_cores": round(self.postgres_s / elapsed_s, 2),
            "machine_cpu_ms_per_item": round(self.machine_s * 1000 / max(1, items), 1),
        }


def tree_cpu_s(root: int) -> float:
    """CPU seconds of a process and all its descendants, with the children they reaped (a
    PostgreSQL server: the postmaster, its backends, which each start a session of their own,
    and those that ended)."""
    stats: dict[int, tuple[int, int]] = {}  # pid: (parent, ticks)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    inside, grown = {root}, True
    while grown:
        more = {pid for pid, (parent, _) in stats.items() if parent in inside} - inside
        inside |= more
        grown = bool(more)
    ticks = sum(stats[pid][1] for pid in inside if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
