"""``python -m servicekit.lagwatch``: consumer lag seen from the broker, and its alerts.

A consumer that stops (paused, stuck in a handler, its process frozen or gone) cannot report
its own lag, so the lag is watched from outside: every ``LAGWATCH_INTERVAL_S`` this process
reads, for every consumer group on the broker, the committed offset of each partition and the
partition's end offset, over every partition of each topic the group has committed on (a
partition it has not reached yet counts from its first offset). It exports
``kafka_consumergroup_lag{group,topic,partition}`` (and the seconds since each group last
moved) on ``/metrics``, and raises an alert when a group has
messages waiting (lag ≥ ``LAGWATCH_ALERT_LAG``) and has committed nothing for
``LAGWATCH_ALERT_AFTER_S``. Firing alerts are on ``/alerts`` and logged
``consumer_lag_alert_firing`` (error), then ``consumer_lag_alert_resolved``. In production the
same rule is a Prometheus alert on the Kafka exporter's metrics (``deploy/``); this process is
the local stack's and the fault drills' equivalent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicekit.errors import describe
from servicekit.logging import configure_logging, get_logger
from servicekit.serving import serve
from servicekit.settings import ServiceSettings

_log = get_logger(__name__)

GROUP_LAG = Gauge(
    "kafka_consumergroup_lag",
    "End offset minus committed offset, per group and partition",
    ["group", "topic", "partition"],
)
GROUP_IDLE = Gauge(
    "kafka_consumergroup_seconds_since_progress",
    "Seconds since the group last committed anything while messages waited",
    ["group"],
)
ALERT_FIRING = Gauge("consumer_lag_alert_firing", "1 while a group's lag alert fires", ["group"])


class LagWatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LAGWATCH_", extra="ignore", frozen=True)

    service_name: str = "lagwatch"
    port: int = 8190
    interval_s: float = Field(default=10.0, gt=0)
    alert_lag: int = Field(default=1, ge=1)
    alert_after_s: float = Field(default=300.0, gt=0)
    group_prefixes: str = Field(
        default="", description="Comma-separated prefixes of the groups watched (all if empty)."
    )


@dataclass
class GroupState:
    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    lag: int = 0
    moved_at: float = field(default_factory=time.monotonic)
    firing: bool = False


class LagWatch:
    def __init__(self, settings: LagWatchSettings) -> None:
        self.settings = settings
        self.groups: dict[str, GroupState] = {}
        self.error: str | None = None

    def _watched(self, group: str) -> bool:
        prefixes = [p for p in self.settings.group_prefixes.split(",") if p]
        return not prefixes or any(group.startswith(p) for p in prefixes)

    async def observe(self) -> None:
        """One look at every group: lags, progress, alerts."""
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        s = self.settings
        security = s.kafka_security()
        admin = AIOKafkaAdminClient(
            bootstrap_servers=s.kafka_bootstrap_servers, request_timeout_ms=10000, **security
        )
        ends = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap_servers, enable_auto_commit=False, **security
        )
        await admin.start()
        await ends.start()
        try:
            listed = await admin.list_consumer_groups()
            names = sorted(g[0] if isinstance(g, tuple) else g["group"] for g in listed)
            partitions = {
                t["topic"]: sorted(p["partition"] for p in t["partitions"])
                for t in await admin.describe_topics()
            }
            committed_by: dict[str, dict[tuple[str, int], int]] = {}
            for group in filter(self._watched, names):
                offsets = await admin.list_consumer_group_offsets(group)
                committed_by[group] = {
                    (tp.topic, tp.partition): meta.offset
                    for tp, meta in offsets.items()
                    if meta.offset >= 0
                }
            # the offsets of every partition the groups read, asked once for all of them
            topics = {topic for committed in committed_by.values() for topic, _ in committed}
            tps = [TopicPartition(t, p) for t in sorted(topics) for p in partitions.get(t, ())]
            end = await ends.end_offsets(tps) if tps else {}
            first = await ends.beginning_offsets(tps) if tps else {}
            for group, committed in committed_by.items():
                self._update(group, committed, _lags(committed, end, first))
            self.error = None
        finally:
            await ends.stop()
            await admin.close()

    def _update(
        self, group: str, committed: dict[tuple[str, int], int], lags: dict[tuple[str, int], int]
    ) -> None:
        state = self.groups.setdefault(group, GroupState(committed=committed))
        now = time.monotonic()
        total = sum(lags.values())
        if committed != state.committed or total == 0:
            state.moved_at = now
        state.committed, state.lag = committed, total
        for (topic, partition), lag in lags.items():
            GROUP_LAG.labels(group, topic, str(partition)).set(lag)
        idle = now - state.moved_at
        GROUP_IDLE.labels(group).set(round(idle, 1))
        stalled = total >= self.settings.alert_lag and idle >= self.settings.alert_after_s
        if stalled and not state.firing:
            _log.error("consumer_lag_alert_firing", group=group, lag=total, idle_s=round(idle, 1))
        elif state.firing and not stalled:
            _log.info("consumer_lag_alert_resolved", group=group, lag=total)
        state.firing = stalled
        ALERT_FIRING.labels(group).set(1 if stalled else 0)

    def alerts(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [
            {
                "alert": "ConsumerGroupStalled",
                "group": group,
                "lag": state.lag,
                "idle_s": round(now - state.moved_at, 1),
            }
            for group, state in sorted(self.groups.items())
            if state.firing
        ]

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.observe()
            except Exception as exc:  # the broker may be away: say so and look again
                self.error = describe(exc)
                _log.warning("lagwatch_observe_failed", error=self.error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.settings.interval_s)


def _lags(
    committed: dict[tuple[str, int], int], end: dict[Any, int], first: dict[Any, int]
) -> dict[tuple[str, int], int]:
    """The lag of every partition of each topic the group has committed on.

    A partition the group has never committed on counts from its first offset (the group reads
    from the earliest): messages keyed to a partition the group has not yet reached are waiting
    too, and a lag counted on the committed partitions alone would miss them.
    """
    topics = {topic for topic, _ in committed}
    return {
        (tp.topic, tp.partition): max(
            offset - committed.get((tp.topic, tp.partition), first.get(tp, 0)), 0
        )
        for tp, offset in end.items()
        if tp.topic in topics
    }


def create_app(settings: LagWatchSettings | None = None) -> Starlette:
    settings = settings or LagWatchSettings()
    configure_logging("lagwatch", json=settings.log_json, level=settings.log_level)
    watch = LagWatch(settings)
    stopping = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(watch.run(stopping))
        try:
            yield
        finally:
            stopping.set()
            await task

    async def alerts(_: Request) -> Response:
        return JSONResponse({"alerts": watch.alerts(), "error": watch.error})

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        ok = watch.error is None
        body = {"status": "ok" if ok else "unavailable", "error": watch.error}
        return JSONResponse(body, status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route("/alerts", alerts),
            Route("/metrics", metrics),
            Route("/health/live", live),
            Route("/health/ready", ready),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    settings = LagWatchSettings()
    port = int(os.environ.get("LAGWATCH_PORT", settings.port))
    serve(create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
