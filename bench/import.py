"""Benchmark of a spreadsheet import on the local stack (every api and worker, a real broker,
SMTP catcher, letter folder): a firm imports N clients from an XLSX file; the time until the
import report is returned, and until all N key letters are in the letter folder (target: the
whole run ≤ 12 s for 10,000 clients on a 2-core machine), rows per second, each service's
peak memory and the CPU seconds each process (and the broker) spent from the upload to the last
letter, with their sum over the elapsed time (how many cores were busy). Baselines, same run:
parsing the same file alone, and the CPU this process spends writing one letter the folder
channel's way on the same file system (:func:`folder_baseline`). One JSON line.

The N affiliés are put in the registry's topic (``identity.affiliate``) before the clock
starts, as identity would publish them, and every consumer group has caught up with what
they lead to.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import openpyxl
from contracts.common import PostalAddress
from contracts.identity import v1 as identity_v1
from mandates.adapters.spreadsheet import XLSX_CONTENT_TYPE, parse_clients
from notifications.adapters.letters import FolderLetterChannel
from notifications.service_layer.ports import LetterContent, OutgoingLetter
from profiling import profile_figures, profiled_if
from stack import (
    BENCH_ENV,
    MachineCpu,
    caught_up,
    cpu_s,
    firm,
    local_stack,
    login,
    peak_rss_mb,
    publish_all,
    sirens,
    until,
)


async def seed_registry(bootstrap: str, numbers: list[str]) -> None:
    """The affiliés as identity publishes them, keyed by affiliate id."""
    events = []
    for siren in numbers:
        payload = identity_v1.AffiliateRegisteredV1(
            affiliate_id=str(uuid.uuid4()),
            siren=siren,
            birth_name="Martin",
            first_names="Jeanne",
            category="artisan",
            address=PostalAddress(lines=["3 rue du Port"], postal_code="13002", city="Marseille"),
            departement="13",
            affiliated_on=date(2020, 1, 1),
        )
        events.append((payload, payload.affiliate_id))
    await publish_all(bootstrap, events, "identity")


async def folder_baseline(folder: Path, n: int = 2_000) -> float:
    """CPU milliseconds (this process's, user and system) to write one letter the folder
    channel's way — a 53 kB PDF and its manifest, each beside its name then renamed — on the
    file system the stack's letters go to, just before the upload. Creating files on this
    machine's disk costs from 0.04 to 0.3 ms of system time depending on how many files were
    deleted in the minutes before (ext4 without a journal skips the inodes freed in the last
    one to five minutes, one by one): the letters' figure is read against this one. The
    files are left in place: deleting them would slow the import's own."""
    channel = FolderLetterChannel(folder)
    pdf = os.urandom(53_000)
    letters = [
        OutgoingLetter(
            str(uuid.uuid4()),
            "mandate_key",
            "baseline",
            LetterContent(pdf, "Votre clé d'activation", ("M. Test", "1 rue de la Paix")),
        )
        for _ in range(n)
    ]
    started = time.process_time()
    failed = [o for o in await channel.send_many(letters) if not isinstance(o, str)]
    if failed:
        raise OSError(f"{len(failed)} baseline letters not written: {failed[0]}")
    return (time.process_time() - started) * 1000 / n


def workbook(numbers: list[str]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["SIREN", "Raison sociale"])
    for i, siren in enumerate(numbers):
        sheet.append([siren, f"Client {i:05d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PATH = ("mandates-api", "mandates-worker", "notifications-worker")


async def run(
    n: int,
    render_processes: int,
    db: str = "sqlite",
    worker_copies: int = 1,
    profile: Path | None = None,
    notifications_copies: int | None = None,
) -> dict[str, object]:
    env = {**BENCH_ENV, "NOTIFICATIONS_RENDER_PROCESSES": str(render_processes)}
    copies_of = {} if notifications_copies is None else {"notifications": notifications_copies}
    async with local_stack(env, db=db, worker_copies=worker_copies, copies_of=copies_of) as stack:
        numbers = sirens(n, random.Random(2026))
        await seed_registry(stack.broker.bootstrap, numbers)
        await until(
            lambda: (
                stack.count("mandates", "SELECT count(*) FROM affiliates") >= n
                and stack.count("notifications", "SELECT count(*) FROM affiliates") >= n
                and stack.count("cotisations", "SELECT count(*) FROM accounts") >= n
            ),
            600,
            "the registry seeded",
        )
        await caught_up(stack.broker.bootstrap)
        data = workbook(numbers)
        parse_started = time.perf_counter()
        parse_clients(data, content_type=XLSX_CONTENT_TYPE, max_rows=n)
        parse_s = time.perf_counter() - parse_started
        async with httpx.AsyncClient(timeout=600) as client:
            cabinet_id, email = await firm(stack, client)
            headers = await login(client, stack.url("identity-api"), email)
            folder_ms = await folder_baseline(stack.cfg.var / "letters-baseline")
            os.sync()  # the letters of an earlier run are not being written back meanwhile
            pids = stack.pids()
            cpu_before = {name: cpu_s(pid) for name, pid in pids.items()}
            outside = MachineCpu.now(stack)
            with profiled_if({name: pids[name] for name in PATH}, profile):
                began = time.perf_counter()
                resp = await client.post(
                    f"{stack.url('mandates-api')}/v1/cabinets/{cabinet_id}/imports?mode=valid_rows",
                    content=data,
                    headers={**headers, "Content-Type": XLSX_CONTENT_TYPE},
                )
                report_s = time.perf_counter() - began
                resp.raise_for_status()
                added = resp.json()["added"]
                letters = stack.cfg.var / "letters"
                await until(
                    lambda: sum(1 for _ in letters.glob("*.pdf")) >= added,
                    1800,
                    "every key letter",
                )
                letters_s = time.perf_counter() - began
        outside = outside.since(stack)
        cpu = {name: round(cpu_s(pid) - cpu_before[name], 1) for name, pid in pids.items()}
        memory = {p.name: round(peak_rss_mb(p.pid), 1) for p in stack.started}
    return {
        "db": db,
        "worker_copies": worker_copies,
        "notifications_copies": copies_of.get("notifications", worker_copies),
        "rows": n,
        "added": added,
        "report_s": round(report_s, 2),
        "letters_s": round(letters_s, 2),
        "rows_per_s": round(n / report_s, 1),
        "letters_per_s": round(added / letters_s, 1),
        "baseline_parse_s": round(parse_s, 2),
        "ratio_report_vs_parse": round(report_s / parse_s, 1),
        "baseline_folder_ms_per_letter": round(folder_ms, 3),
        "target_s": 12,
        "render_processes": render_processes,
        "peak_rss_mb": memory,
        "cpu_s": cpu,
        "cpu_busy_cores": round(sum(cpu.values()) / letters_s, 2),
        **outside.figures(letters_s, added),
        **profile_figures(PATH, profile),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--render-processes", type=int, default=0, help="NOTIFICATIONS_RENDER_PROCESSES"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--worker-copies", type=int, default=1, help="copies of every worker in its group"
    )
    parser.add_argument(
        "--notifications-copies",
        type=int,
        help="copies of notifications' worker (default: --worker-copies)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder: py-spy samples mandates' api and worker and notifications' worker "
        "from the upload to the last letter, leaves its collapsed stacks there and the "
        "heaviest functions in the result",
    )
    args = parser.parse_args()
    result = run(
        args.rows,
        args.render_processes,
        args.db,
        args.worker_copies,
        args.profile,
        args.notifications_copies,
    )
    print(json.dumps(asyncio.run(result)))


if __name__ == "__main__":
    main()
