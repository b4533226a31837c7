"""Benchmark of delegated access on the local stack (every api and worker, a real broker, SMTP
catcher, letter folder): how long after a firm types a client's activation key does the firm
read that client's contribution account?

N artisan affiliés are put in the business registry's feed (``partners.registry.affiliation``),
so identity registers them and mandates, notifications and cotisations learn them from
``identity.affiliate``. One firm adds the N clients with one spreadsheet import; notifications
posts N key letters (PDFs in the letter folder), each key is read from its PDF. Then, at a
steady rate, the firm's administrator types the keys over HTTP (mandates; a key is the
requesting firm's to type, the client cannot use it), and for each key the lag is measured
from the key entry's HTTP response to the first 200 of the administrator's
``GET /v1/accounts/{affiliate_id}`` on cotisations (each pending client polled from 10 ms on,
the interval growing by half up to ``--poll-ms``, so that the polling itself does not load the
stack it measures): mandates' outbox → relay → Kafka → cotisations' access read model.

Baseline, same run and broker, while the platform is idle: raw aiokafka produce → consume of N
small messages at the same rate on a fresh topic. One JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from contracts.common import PostalAddress
from contracts.partners.v1 import RegistryAffiliationV1
from profiling import profile_figures, profiled_if
from pypdf import PdfReader
from stack import (
    BENCH_ENV,
    MachineCpu,
    cpu_s,
    firm,
    local_stack,
    login,
    publish_all,
    sirens,
    until,
)
from stdnum.fr import nir as stdnum_nir

BUSINESS_DATE = "2026-03-01"
ENV = {
    **BENCH_ENV,
    "COTISATIONS_BUSINESS_DATE": BUSINESS_DATE,
}
KEY = re.compile(r"\b[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}\b")
BIRTH_DATE = date(1985, 5, 1)
SETUP_TIMEOUT_S = 900.0
LAG_TIMEOUT_S = 120.0


@dataclass
class Client:
    siren: str
    affiliate_id: str = ""
    client_id: str = ""
    key: str = ""


def nir_of(i: int) -> str:
    """A man born in May 1985 in the Bouches-du-Rhône: commune and order number from ``i``."""
    body = f"1850513{i:06d}"
    return body + stdnum_nir.calc_check_digits(body)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def seed_registry(bootstrap: str, numbers: list[str]) -> None:
    """The registry's feed, as the partner system publishes it (keyed by SIREN)."""
    events = [
        (
            RegistryAffiliationV1(
                siren=siren,
                sirets=[],
                nir=nir_of(i),
                birth_name="Martin",
                first_names="Jeanne",
                birth_date=BIRTH_DATE,
                category="artisan",
                address=PostalAddress(
                    lines=["3 rue du Port"], postal_code="13002", city="Marseille"
                ),
                departement="13",
                affiliated_on=date(2020, 1, 1),
            ),
            siren,
        )
        for i, siren in enumerate(numbers)
    ]
    await publish_all(bootstrap, events, "registry")


async def affiliate_ids(
    client: httpx.AsyncClient, mandates: str, cabinet_id: str, headers: dict[str, str]
) -> dict[str, str]:
    """SIREN → affiliate id, as the firm reads them in its client list."""
    found: dict[str, str] = {}
    page = 1
    while True:
        resp = await client.get(
            f"{mandates}/v1/cabinets/{cabinet_id}/clients",
            params={"page": page, "size": 200},
            headers=headers,
        )
        resp.raise_for_status()
        body = resp.json()
        found.update({str(c["siren"]): str(c["affiliate_id"]) for c in body["items"]})
        if page * 200 >= body["total"]:
            return found
        page += 1


def spreadsheet(numbers: list[str]) -> bytes:
    lines = ["siren;nom"] + [f"{siren};Client {i:05d}" for i, siren in enumerate(numbers)]
    return ("\n".join(lines) + "\n").encode()


def key_letters(letters: Path) -> dict[str, Path]:
    """The mandate's reference (``MDT-…``, without the letter's own suffix) → PDF of every
    activation-key letter in the folder."""
    found: dict[str, Path] = {}
    for manifest in letters.glob("*.json"):
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        if data.get("kind") == "activation_key_letter":
            mandate = "-".join(str(data["reference"]).split("-")[:2])
            found[mandate] = letters / str(data["pdf"])
    return found


def key_in(pdf: Path) -> str:
    """The key printed on the letter, read from the PDF's text."""
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    keys = KEY.findall(text)
    if len(keys) != 1:
        raise ValueError(f"{pdf.name}: {len(keys)} keys found")
    return str(keys[0])


async def raw_kafka(bootstrap: str, n: int, rate: float) -> list[float]:
    """Produce → consume lag (seconds) of ``n`` small messages sent at ``rate`` per second,
    with the services' producer settings (idempotent, acks=all, linger 5 ms)."""
    topic = f"bench.access-raw-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5
    )
    await consumer.start()
    await producer.start()
    lags: list[float] = []
    try:
        partitions: list[TopicPartition] = []
        while len(partitions) < 3:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)

        async def produce() -> None:
            began = time.perf_counter()
            for i in range(n):
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = json.dumps({"i": i, "sent_at": time.perf_counter()}).encode()
                await producer.send(topic, body, key=f"client-{i}".encode())
            await producer.flush()

        async def consume() -> None:
            deadline = time.monotonic() + n / rate + LAG_TIMEOUT_S
            while len(lags) < n:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"raw kafka: {len(lags)}/{n} messages consumed")
                batch = await consumer.getmany(*partitions, timeout_ms=500)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        lags.append(now - float(json.loads(record.value)["sent_at"]))

        await asyncio.gather(produce(), consume())
    finally:
        await producer.stop()
        await consumer.stop()
    return lags


async def activations(
    mandates: str,
    cotisations: str,
    cabinet_id: str,
    headers: dict[str, str],
    clients: list[Client],
    rate: float,
    poll_s: float,
) -> tuple[list[float], float, list[float]]:
    """Type every key at ``rate`` per second; for each, the lag (seconds) from the key entry's
    response to the first 200 on the account. Also the key entries' rate achieved, and how
    long each key entry took to be answered.

    The key entries and the polls go through aiohttp, whose client spends a fraction of
    httpx's CPU a request: the load generator shares the machine's cores with the platform it
    measures, and with httpx it was a third of the machine at 50 keys/s."""
    lags: list[float] = []
    entered: list[float] = []
    answers: list[float] = []  # how long each key entry took to be answered
    # idle connections dropped before uvicorn's keep-alive timeout (5 s) closes them
    connector = aiohttp.TCPConnector(limit=400, keepalive_timeout=2)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        began = time.perf_counter()

        async def one(i: int, c: Client) -> None:
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            asked = time.perf_counter()
            async with session.post(
                f"{mandates}/v1/cabinets/{cabinet_id}/clients/{c.client_id}/activation",
                json={"key": c.key},
            ) as resp:
                body = await resp.read()
            typed = time.perf_counter()
            answers.append(typed - asked)
            if resp.status != 200:
                raise RuntimeError(f"key of {c.siren}: {resp.status} {body!r}")
            entered.append(typed)
            url = f"{cotisations}/v1/accounts/{c.affiliate_id}"
            wait = min(0.01, poll_s)
            while time.perf_counter() - typed < LAG_TIMEOUT_S:
                status: int | None
                try:
                    async with session.get(url) as read:
                        status, body = read.status, await read.read()
                except aiohttp.ClientConnectionError:
                    status = None
                if status == 200:
                    lags.append(time.perf_counter() - typed)
                    return
                if status is not None and status != 404:
                    raise RuntimeError(f"account of {c.siren}: {status} {body!r}")
                await asyncio.sleep(wait)
                wait = min(wait * 1.5, poll_s)  # a pending client is not polled into the ground
            raise TimeoutError(f"account of {c.siren} still refused after {LAG_TIMEOUT_S}s")

        await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    return lags, len(entered) / (max(entered) - began), answers


def reading_keys(pdfs: list[Path]) -> list[str]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(key_in, pdfs, chunksize=50))


async def run(
    n: int,
    rate: float,
    poll_ms: float,
    profile: Path | None,
    db: str = "sqlite",
    worker_copies: int = 1,
) -> dict[str, Any]:
    async with local_stack(ENV, db=db, worker_copies=worker_copies) as stack:
        mandates = stack.url("mandates-api")
        numbers = sirens(n, random.Random(2026))
        clients = {siren: Client(siren) for siren in numbers}
        await seed_registry(stack.broker.bootstrap, numbers)
        await until(
            lambda: (
                stack.count("mandates", "SELECT count(*) FROM affiliates") >= n
                and stack.count("notifications", "SELECT count(*) FROM affiliates") >= n
                and stack.count("cotisations", "SELECT count(*) FROM accounts") >= n
            ),
            SETUP_TIMEOUT_S,
            "the registry seeded",
        )
        # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes
        # them under a request.
        limits = httpx.Limits(
            max_connections=400, max_keepalive_connections=400, keepalive_expiry=2
        )
        async with httpx.AsyncClient(timeout=600, limits=limits) as client:
            cabinet_id, email = await firm(stack, client)
            headers = await login(client, stack.url("identity-api"), email)
            imported = await client.post(
                f"{mandates}/v1/cabinets/{cabinet_id}/imports?mode=valid_rows",
                content=spreadsheet(numbers),
                headers={**headers, "Content-Type": "text/csv"},
            )
            imported.raise_for_status()
            for row in imported.json()["rows"]:
                if row["status"] != "added" or not row.get("client_id"):
                    raise RuntimeError(f"import row not added: {row}")
                clients[str(row["identifier"])].client_id = str(row["client_id"])
            await until(
                lambda: (
                    stack.count(
                        "mandates", "SELECT count(*) FROM mandates WHERE state = 'letter_sent'"
                    )
                    >= n
                ),
                SETUP_TIMEOUT_S,
                "every key letter posted",
            )
            for siren, affiliate_id in (
                await affiliate_ids(client, mandates, cabinet_id, headers)
            ).items():
                clients[siren].affiliate_id = affiliate_id
            pdfs = key_letters(stack.cfg.var / "letters")
            ordered = list(clients.values())
            keys = await asyncio.to_thread(
                reading_keys, [pdfs[f"MDT-{c.client_id[:8].upper()}"] for c in ordered]
            )
            for c, key in zip(ordered, keys, strict=True):
                c.key = key
            raw_lags = await raw_kafka(stack.broker.bootstrap, n, rate)
            headers = await login(client, stack.url("identity-api"), email)
            random.Random(7).shuffle(ordered)
            cpu_before = {name: cpu_s(pid) for name, pid in stack.pids().items()}
            outside = MachineCpu.now(stack)
            generator_before = time.process_time()
            activating = time.perf_counter()
            path = ("mandates-api", "mandates-worker", "cotisations-worker", "cotisations-api")
            with profiled_if({name: stack.pids()[name] for name in path}, profile):
                lags, achieved, answers = await activations(
                    mandates,
                    stack.url("cotisations-api"),
                    cabinet_id,
                    headers,
                    ordered,
                    rate,
                    poll_ms / 1000,
                )
            elapsed = time.perf_counter() - activating
            generator_cpu = time.process_time() - generator_before
            outside = outside.since(stack)
            cpu = {
                name: round(cpu_s(pid) - cpu_before[name], 1) for name, pid in stack.pids().items()
            }
    lag_p50, lag_p99 = percentile(lags, 50) * 1000, percentile(lags, 99) * 1000
    raw_p50, raw_p99 = percentile(raw_lags, 50) * 1000, percentile(raw_lags, 99) * 1000
    return {
        "db": db,
        "worker_copies": worker_copies,
        "activations": len(lags),
        "activations_per_s": round(achieved, 1),
        "lag_p50_ms": round(lag_p50, 1),
        "lag_p99_ms": round(lag_p99, 1),
        "key_entry_answer_p50_ms": round(percentile(answers, 50) * 1000, 1),
        "key_entry_answer_p99_ms": round(percentile(answers, 99) * 1000, 1),
        "raw_kafka_p50_ms": round(raw_p50, 1),
        "raw_kafka_p99_ms": round(raw_p99, 1),
        "ratio_p50": round(lag_p50 / raw_p50, 1),
        "ratio_p99": round(lag_p99 / raw_p99, 1),
        "cpu_s": cpu,
        "cpu_busy_cores": round(sum(cpu.values()) / elapsed, 2),
        "load_generator_cpu_s": round(generator_cpu, 1),
        "load_generator_busy_cores": round(generator_cpu / elapsed, 2),
        **outside.figures(elapsed, len(lags)),
        "machine_cores": os.cpu_count(),
        **profile_figures(path, profile),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Key entry → the firm reads the client's account; against raw Kafka."
    )
    parser.add_argument("--activations", type=int, default=2_000, help="clients (N)")
    parser.add_argument("--rate", type=float, default=50.0, help="key entries per second")
    parser.add_argument(
        "--poll-ms", type=float, default=100.0, help="longest interval between two polls"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder: py-spy samples each process of the path while the keys are typed, "
        "leaves its collapsed stacks there and the heaviest functions in the result",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--worker-copies", type=int, default=1, help="copies of every worker in its group"
    )
    args = parser.parse_args()
    result = asyncio.run(
        run(args.activations, args.rate, args.poll_ms, args.profile, args.db, args.worker_copies)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
