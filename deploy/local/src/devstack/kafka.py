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


@dataclass(frozen=True)
class Sasl:
    """The broker's SASL/SCRAM and ACL mode: every client authenticates as one of ``users``
    (name → password) and may do only what ACLs allow; ``admin`` is the super user the
    tooling acts as. The controller's own listener stays on loopback in plain text."""

    users: dict[str, str]
    admin: str = "admin"
    mechanism: str = "SCRAM-SHA-512"

    def client(self, user: str, password: str | None = None) -> dict[str, str]:
        """aiokafka's security arguments for ``user`` (its own password unless given)."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": user,
            "sasl_plain_password": self.users[user] if password is None else password,
        }

    def properties(self, user: str) -> str:
        """A Java client's properties file for ``user`` (the command-line tools)."""
        return "\n".join(
            [
                "security.protocol=SASL_PLAINTEXT",
                f"sasl.mechanism={self.mechanism}",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                f' required username="{user}" password="{self.users[user]}";',
                "",
            ]
        )


def _listeners(port: int, controller_port: int, sasl: Sasl | None) -> list[str]:
    client = "SASL_PLAINTEXT" if sasl else "PLAINTEXT"
    lines = [
        f"listeners={client}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners={client}://127.0.0.1:{port}",
        "controller.listener.names=CONTROLLER",
        f"inter.broker.listener.name={client}",
        f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,{client}:{client}",
    ]
    if sasl is not None:
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required"
            f' username="{sasl.admin}" password="{sasl.users[sasl.admin]}";'
        )
        lines += [
            f"sasl.enabled.mechanisms={sasl.mechanism}",
            f"sasl.mechanism.inter.broker.protocol={sasl.mechanism}",
            f"listener.name.sasl_plaintext.{sasl.mechanism.lower()}.sasl.jaas.config={jaas}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:{sasl.admin};User:ANONYMOUS",
            "allow.everyone.if.no.acl.found=false",
        ]
    return lines


def _server_properties(
    port: int, controller_port: int, data_dir: Path, sasl: Sasl | None = None
) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            *_listeners(port, controller_port, sasl),
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
            # one node is its own quorum: no no-op record appended (and synced) twice a second
            # to show other voters the controller is alive
            "metadata.max.idle.interval.ms=0",
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
    sasl: Sasl | None = None

    @property
    def admin_security(self) -> dict[str, str]:
        """The tooling's security arguments (empty for a plain-text broker)."""
        return {} if self.sasl is None else self.sasl.client(self.sasl.admin)

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
        scram: list[str] = []
        if self.sasl is not None:
            for user, password in self.sasl.users.items():
                scram += [
                    "--add-scram",
                    f"{self.sasl.mechanism}=[name={user},password={password}]",
                ]
        subprocess.run(  # noqa: S603 - our own arguments
            self._java(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.config_file),
                "--ignore-formatted",
                *scram,
            ),
            check=True,
            capture_output=True,
        )

    def start(self, timeout_s: float = 90.0) -> None:
        """Start (formatting the storage the first time) and wait until the broker answers."""
        if self.pid() is not None:
            run_sync(wait_ready(self.bootstrap, timeout_s, security=self.admin_security))
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            _server_properties(self.port, self.controller_port, self.data_dir, self.sasl)
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
            run_sync(
                wait_ready(self.bootstrap, timeout_s, pid=proc.pid, security=self.admin_security)
            )
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

    def pause(self) -> None:
        """SIGSTOP: the broker stops answering without closing its connections."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGCONT)

    def tool(self, main: str, *args: str) -> str:
        """Run one of Kafka's command-line tools as the admin; return what it printed."""
        command: list[str] = []
        if self.sasl is not None:
            config = self.data_dir / "admin.properties"
            config.write_text(self.sasl.properties(self.sasl.admin))
            command = ["--command-config", str(config)]
        done = subprocess.run(  # noqa: S603 - our own arguments
            self._java(main, "--bootstrap-server", self.bootstrap, *command, *args),
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout


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


async def admin_round_trip(bootstrap: str, security: dict[str, str] | None = None) -> None:
    """Raise unless the broker answers a metadata and a topic-listing request."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=5000, **(security or {})
    )
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise ConnectionError("no broker in the cluster metadata")
        await admin.list_topics()
    finally:
        await admin.close()


async def wait_ready(
    bootstrap: str,
    timeout_s: float,
    pid: int | None = None,
    security: dict[str, str] | None = None,
) -> None:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if pid is not None and not alive(pid):
            raise RuntimeError("the Kafka broker exited during start-up; see kafka-stdout.log")
        try:
            await admin_round_trip(bootstrap, security)
            return
        except Exception as exc:
            last = exc
            await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout_s}s: {last!r}")
