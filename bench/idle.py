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


async def run(settle_s: float, window_s: float) -> dict[str, Any]:
    # the shipped defaults of every loop, not the faster ones the other benchmarks use
    env = {k: v for k, v in BENCH_ENV.items() if k != "NOTIFICATIONS_DISPATCH_INTERVAL_S"}
    async with local_stack(env) as stack:
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
    total = round(sum(services.values()), 2)
    workers = {k: v for k, v in services.items() if k.endswith("-worker")}
    return {
        "bench": "idle",
        "window_s": round(elapsed, 1),
        "cores": os.cpu_count(),
        "platform_pct_of_a_core": total,
        "goal_pct": 3.0,
        "per_process_pct": dict(sorted(services.items())),
        "kafka_jvm_pct": share.get("kafka"),
        "baseline_idle_consumer_pct": round(baseline * 100, 2),
        "worker_mean_vs_baseline": round(
            (sum(workers.values()) / len(workers)) / max(baseline * 100, 0.01), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds before measuring")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.settle, args.window))))


if __name__ == "__main__":
    main()
