"""What a platform doing nothing costs: the CPU each process of the local stack spends over a
window with no traffic at all (every api and worker, the broker, on a throw-away folder).

- **platform**: after the stack is up and has settled (``--settle`` seconds: migrations, the
  consumers' group joins, the first runs of every loop), the CPU time (user + system, from
  ``/proc/<pid>/stat``) each api and worker spends during ``--window`` seconds, as a share of
  one core; the sum of the services' processes is the figure (the broker's JVM is reported
  beside it, not in it).
- **baseline**, same run, same window: a bare aiokafka consumer long-polling an empty topic of
  the same broker — what waiting on Kafka costs a Python process that does nothing else. Each
  worker's figure reads as "k idle consumers".
- **polling** (``--polling``, on by default): the same stack once more with the relays' doorbell
  off and the polls of before it (outbox every 50 ms, notifications' dispatcher every 200 ms),
  so the gain is measured in the same run.

One JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from stack import BENCH_ENV, local_stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def idle_consumer(bootstrap: str, window_s: float) -> float:
    """Share of a core a bare consumer spends waiting on an empty topic for ``window_s``."""
    topic = f"bench-idle-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic)
    await consumer.start()
    try:
        await consumer.getmany(timeout_ms=2000)  # joined, assigned
        cpu, deadline = time.process_time(), time.monotonic() + window_s
        while time.monotonic() < deadline:
            await consumer.getmany(timeout_ms=1000)
        return (time.process_time() - cpu) / window_s
    finally:
        await consumer.stop()


SERVICES = ("IDENTITY", "MANDATES", "COTISATIONS", "NOTIFICATIONS", "ATTESTATIONS", "APPOINTMENTS")
POLLING = {
    **{f"{s}_OUTBOX_DOORBELL_HOST": "" for s in SERVICES},
    **{f"{s}_OUTBOX_POLL_INTERVAL_S": "0.05" for s in SERVICES},
    "NOTIFICATIONS_DISPATCH_INTERVAL_S": "0.2",
}


async def measure(settle_s: float, window_s: float, extra: dict[str, str]) -> dict[str, Any]:
    # the shipped defaults of every loop (the other benchmarks run them too)
    async with local_stack({**BENCH_ENV, **extra}) as stack:
        await asyncio.sleep(settle_s)
        pids = stack.pids()
        before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
        started = time.monotonic()
        baseline = await idle_consumer(stack.broker.bootstrap, window_s)
        elapsed = time.monotonic() - started
        share = {
            name: round((cpu_seconds(pid) - before[name]) / elapsed * 100, 2)
            for name, pid in pids.items()
            if pid
        }
    services = {k: v for k, v in share.items() if k != "kafka"}
    workers = {k: v for k, v in services.items() if k.endswith("-worker")}
    return {
        "window_s": round(elapsed, 1),
        "platform_pct_of_a_core": round(sum(services.values()), 2),
        "per_process_pct": dict(sorted(services.items())),
        "kafka_jvm_pct": share.get("kafka"),
        "baseline_idle_consumer_pct": round(baseline * 100, 2),
        "worker_mean_vs_baseline": round(
            (sum(workers.values()) / len(workers)) / max(baseline * 100, 0.01), 1
        ),
    }


async def run(settle_s: float, window_s: float, polling: bool) -> dict[str, Any]:
    now = await measure(settle_s, window_s, {})
    result: dict[str, Any] = {"bench": "idle", "cores": os.cpu_count(), "goal_pct": 3.0, **now}
    if polling:
        before = await measure(settle_s, window_s, POLLING)
        result["polling"] = before
        result["platform_vs_polling"] = round(
            now["platform_pct_of_a_core"] / max(before["platform_pct_of_a_core"], 0.01), 3
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds before measuring")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured")
    parser.add_argument(
        "--no-polling", action="store_true", help="skip the same stack with the polls of before"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.settle, args.window, not args.no_polling))))


if __name__ == "__main__":
    main()
