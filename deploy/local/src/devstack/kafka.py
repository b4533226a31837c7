"""A single-node Apache Kafka in KRaft combined mode, from the cached jars.

The broker is a child process we start ourselves: its PID is written next to its data, so a
later ``stop`` (another process, ``make down``) stops exactly what was started — SIGTERM, then
SIGKILL after a timeout. Readiness is an admin round trip (cluster metadata and topic listing
answered by the broker), never a port check.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import time
import uuid
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from pathlib import Path

from devstack.jars import LOG4J_CONFIG, ensure_jars
from devstack.processes import alive
from devstack.sync import run_sync

JVM_OPTIONS = [
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:TieredStopAtLevel=1",
    "-Xss512k",
    "-Djava.awt.headless=true",
]


def new_cluster_id() -> str:
    """A random cluster id as Kafka writes them, never one that begins with "-".

    Kafka's own generator refuses ids starting with "-" because the command-line
    tools would read such an id as an option; one id in 64 would otherwise do so.
    """
    while True:
        cluster_id = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _server_properties(port: int, controller_port: int, data_dir: Path) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data_dir / 'logs'}",
            "num.partitions=3",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=3",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "num.network.threads=2",
            "num.io.threads=4",
            "background.threads=4",
            "log.retention.hours=168",
            "",
        ]
    )


@dataclass
class KafkaBroker:
    """One broker; ``data_dir`` holds its storage, configuration and PID file."""

    data_dir: Path
    log_dir: Path
    port: int = 9092
    controller_port: int = 9093

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "server.properties"

    def pid(self) -> int | None:
        if not self.pid_file.exists():
            return None
        pid = int(self.pid_file.read_text().strip() or 0)
        return pid if pid and alive(pid) else None

    def _java(self, main: str, *args: str) -> list[str]:
        lib = ensure_jars()
        return [
            "java",
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            f"{lib}/*",
            main,
            *args,
        ]

    def _format(self) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        subprocess.run(  # noqa: S603 - our own arguments
            self._java(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.config_file),
                "--ignore-formatted",
            ),
            check=True,
            capture_output=True,
        )

    def start(self, timeout_s: float = 90.0) -> None:
        """Start (formatting the storage the first time) and wait until the broker answers."""
        if self.pid() is not None:
            run_sync(wait_ready(self.bootstrap, timeout_s))
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            _server_properties(self.port, self.controller_port, self.data_dir)
        )
        self._format()
        with (self.log_dir / "kafka-stdout.log").open("ab") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own arguments
                self._java("kafka.Kafka", str(self.config_file)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        try:
            run_sync(wait_ready(self.bootstrap, timeout_s, pid=proc.pid))
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM the broker we started, SIGKILL it after ``timeout_s``."""
        pid = self.pid()
        if pid is not None:
            _signal_and_wait(pid, signal.SIGTERM, timeout_s) or _signal_and_wait(
                pid, signal.SIGKILL, 10.0
            )
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            _signal_and_wait(pid, signal.SIGKILL, 10.0)
        self.pid_file.unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()


def _signal_and_wait(pid: int, sig: signal.Signals, timeout_s: float) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return not alive(pid)


async def admin_round_trip(bootstrap: str) -> None:
    """Raise unless the broker answers a metadata and a topic-listing request."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise ConnectionError("no broker in the cluster metadata")
        await admin.list_topics()
    finally:
        await admin.close()


async def wait_ready(bootstrap: str, timeout_s: float, pid: int | None = None) -> None:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if pid is not None and not alive(pid):
            raise RuntimeError("the Kafka broker exited during start-up; see kafka-stdout.log")
        try:
            await admin_round_trip(bootstrap)
            return
        except Exception as exc:
            last = exc
            await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout_s}s: {last!r}")
