"""Benchmark of a spreadsheet import on the local stack (every api and worker, a real broker,
SMTP catcher, letter folder): a firm imports N clients from an XLSX file; the time until the
import report is returned, and until all N key letters are in the letter folder (target: the
whole run ≤ 30 s for 10,000 clients on a 2-core machine), rows per second, each service's
peak memory and the CPU seconds each process (and the broker) spent from the upload to the last
letter, with their sum over the elapsed time (how many cores were busy). Baseline, same run:
parsing the same file alone. One JSON line.

The N affiliés are put in the registry's topic (``identity.affiliate``) before the clock
starts, as identity would publish them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import openpyxl
from aiokafka import AIOKafkaProducer
from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from devstack.platform import PlatformConfig, start_platform, stop_all
from devstack.ports import free_port
from devstack.pytest_fixtures import start_test_broker
from devstack.services import SERVICES, ServiceSpec
from devstack.smtp_catcher import SmtpCatcher
from mandates.domain.spreadsheet import XLSX_CONTENT_TYPE, parse_clients

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Une phrase de passe solide"
ENV = {
    "IDENTITY_ARGON2_TIME_COST": "1",
    "IDENTITY_ARGON2_MEMORY_KIB": "8192",
    "LOG_LEVEL": "WARNING",
    "NOTIFICATIONS_DISPATCH_INTERVAL_S": "0.1",
    "MANDATES_IMPORT_MAX_ROWS": "100000",
    "MANDATES_IMPORT_MAX_BYTES": "50000000",
}


def luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def sirens(n: int, rng: random.Random) -> list[str]:
    found: set[str] = set()
    while len(found) < n:
        found.add(luhn(f"{rng.randrange(10**7, 10**8):08d}"))
    return sorted(found)


async def seed_registry(bootstrap: str, numbers: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    try:
        sends = []
        for siren in numbers:
            payload = identity_v1.AffiliateRegisteredV1(
                affiliate_id=str(uuid.uuid4()),
                siren=siren,
                birth_name="Martin",
                first_names="Jeanne",
                category="artisan",
                address=PostalAddress(
                    lines=["3 rue du Port"], postal_code="13002", city="Marseille"
                ),
                departement="13",
                affiliated_on=date(2020, 1, 1),
            )
            envelope = Envelope(
                id=str(uuid.uuid4()),
                type=payload.event_type,
                source="identity",
                time=datetime.now(UTC),
                subject=payload.affiliate_id,
            )
            sends.append(
                await producer.send(
                    payload.topic,
                    payload.model_dump_json().encode(),
                    key=payload.affiliate_id.encode(),
                    headers=envelope.to_headers(),
                )
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


async def until(probe: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if probe():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(what)


def workbook(numbers: list[str]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["SIREN", "Raison sociale"])
    for i, siren in enumerate(numbers):
        sheet.append([siren, f"Client {i:05d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def firm_token(client: httpx.AsyncClient, identity: str, mail_dir: Path) -> tuple[str, str]:
    email = f"bench.{uuid.uuid4().hex[:6]}@cabinet-bench.fr"
    siret = luhn(luhn(f"{random.randrange(10**7, 10**8):08d}") + "0001")
    resp = await client.post(
        f"{identity}/v1/cabinets",
        json={
            "raison_sociale": "Cabinet Bench",
            "siret": siret,
            "address": "1 place Bellecour, 69002 Lyon",
            "admin_first_name": "Claire",
            "admin_last_name": "Martin",
            "email": email,
            "password": PASSWORD,
        },
    )
    resp.raise_for_status()
    cabinet_id = resp.json()["cabinet_id"]
    token = ""

    def mail() -> bool:
        nonlocal token
        for path in mail_dir.glob("*.eml"):
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
    login = await client.post(
        f"{identity}/v1/auth/token", json={"username": email, "password": PASSWORD}
    )
    login.raise_for_status()
    return cabinet_id, str(login.json()["access_token"])


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker = start_test_broker(folder / "kafka")
        smtp = SmtpCatcher(folder / "var" / "mail", free_port())
        smtp.start()
        services = tuple(ServiceSpec(s.name, free_port(), free_port()) for s in SERVICES)
        cfg = PlatformConfig(
            root=ROOT,
            var=folder / "var",
            kafka_bootstrap=broker.bootstrap,
            smtp_port=smtp.port,
            services=services,
            extra_env=ENV,
        )
        started = []
        try:
            started = start_platform(cfg)
            urls = {p.name: p.url or "" for p in started}
            numbers = sirens(n, random.Random(2026))
            await seed_registry(broker.bootstrap, numbers)
            db = cfg.var / "db"
            await until(
                lambda: (
                    count(db / "mandates.db", "SELECT count(*) FROM affiliates") >= n
                    and count(db / "notifications.db", "SELECT count(*) FROM affiliates") >= n
                ),
                600,
                "the registry seeded",
            )
            data = workbook(numbers)
            parse_started = time.perf_counter()
            parse_clients(data, content_type=XLSX_CONTENT_TYPE, max_rows=n)
            parse_s = time.perf_counter() - parse_started
            async with httpx.AsyncClient(timeout=600) as client:
                cabinet_id, token = await firm_token(client, urls["identity-api"], smtp.directory)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": XLSX_CONTENT_TYPE}
                mandates = urls["mandates-api"]

                async def has_portfolio() -> bool:
                    resp = await client.get(
                        f"{mandates}/v1/cabinets/{cabinet_id}/portfolios", headers=headers
                    )
                    return resp.status_code == 200 and len(resp.json()) == 1

                deadline = time.monotonic() + 60
                while not await has_portfolio():
                    if time.monotonic() > deadline:
                        raise TimeoutError("the firm in mandates")
                    await asyncio.sleep(0.2)
                pids = {p.name: p.pid for p in started} | {"kafka": broker.pid() or 0}
                cpu_before = {name: cpu_s(pid) for name, pid in pids.items()}
                began = time.perf_counter()
                resp = await client.post(
                    f"{mandates}/v1/cabinets/{cabinet_id}/imports?mode=valid_rows",
                    content=data,
                    headers=headers,
                )
                report_s = time.perf_counter() - began
                resp.raise_for_status()
                added = resp.json()["added"]
            letters = cfg.var / "letters"
            await until(
                lambda: sum(1 for _ in letters.glob("*.pdf")) >= added, 1800, "every key letter"
            )
            letters_s = time.perf_counter() - began
            cpu = {name: round(cpu_s(pid) - cpu_before[name], 1) for name, pid in pids.items()}
            memory = {p.name: round(peak_rss_mb(p.pid), 1) for p in started}
        finally:
            stop_all(started)
            smtp.stop()
            broker.stop()
    return {
        "rows": n,
        "added": added,
        "report_s": round(report_s, 2),
        "letters_s": round(letters_s, 2),
        "rows_per_s": round(n / report_s, 1),
        "letters_per_s": round(added / letters_s, 1),
        "baseline_parse_s": round(parse_s, 2),
        "ratio_report_vs_parse": round(report_s / parse_s, 1),
        "target_s": 30,
        "peak_rss_mb": memory,
        "cpu_s": cpu,
        "cpu_busy_cores": round(sum(cpu.values()) / letters_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows))))


if __name__ == "__main__":
    main()
