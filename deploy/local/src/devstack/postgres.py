"""PostgreSQL for the tests (the server named by ``TEST_POSTGRES_URL``, or one we start) and
for the local stack on PostgreSQL (``make up DB=postgres``: a kept cluster under ``var/``).

When the server binaries are absent (a fresh machine), they are installed from Debian's
packages. The cluster is a throw-away one in a temporary folder, owned by the ``postgres`` user
(``initdb`` refuses root), listening on 127.0.0.1 on a free port, with durability settings off
for speed. It is stopped by the PID we started.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.ports import free_port
from devstack.sync import run_sync


def server_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def install_server() -> Path:
    """Install PostgreSQL from Debian's packages when its binaries are missing."""
    found = server_bin_dir()
    if found is not None:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],  # noqa: S607
        check=True,
        env=env,
    )
    found = server_bin_dir()
    if found is None:
        raise RuntimeError("PostgreSQL was installed but its binaries were not found")
    return found


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class PostgresServer:
    url: str
    directory: Path | None = None
    pid: int | None = None

    def stop(self) -> None:
        """Stop the whole process group we started (``runuser`` and the postgres it runs):
        SIGINT (fast shutdown), then SIGKILL."""
        if self.pid is not None:
            for sig, wait_s in ((signal.SIGINT, 20.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait_s
                while _group_alive(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.1)
                if not _group_alive(self.pid):
                    break
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return any(_pgid_of(int(entry)) == pgid for entry in os.listdir("/proc") if entry.isdigit())


def _pgid_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[2])


async def _accepts(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    try:
        await conn.execute("SELECT 1")
    finally:
        await conn.close()


def start_postgres(timeout_s: float = 60.0) -> PostgresServer:
    """The tests' server: ``TEST_POSTGRES_URL``, or a throw-away cluster on a free port."""
    configured = os.environ.get("TEST_POSTGRES_URL")
    if configured:
        run_sync(_accepts(configured))
        return PostgresServer(url=configured)
    directory = Path(tempfile.mkdtemp(prefix="pg-test-"))
    server = start_cluster(directory, free_port(), durable=False, timeout_s=timeout_s)
    server.directory = directory  # removed when stopped
    return server


def start_cluster(
    directory: Path, port: int, *, durable: bool, timeout_s: float = 60.0
) -> PostgresServer:
    """A cluster in ``directory`` (made by ``initdb`` the first time, kept after), listening
    on 127.0.0.1:``port``; ``durable=False`` turns fsync and its kin off (the tests')."""
    bin_dir = install_server()
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        shutil.chown(sockets, "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603 - our own arguments
            _as_postgres(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
    speed = (
        []
        if durable
        else ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    )
    with (directory / "postgres.log").open("ab") as log:
        if os.geteuid() == 0:
            shutil.chown(directory / "postgres.log", "postgres")
        proc = subprocess.Popen(  # noqa: S603 - our own arguments
            _as_postgres(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-k",
                    str(sockets),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    *speed,
                    "-c",
                    "max_connections=200",
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = PostgresServer(
        url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", pid=proc.pid
    )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            run_sync(_accepts(server.url))
            return server
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                server.stop()
                raise
            time.sleep(0.2)


async def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server; its SQLAlchemy URL."""
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


async def ensure_database(server_url: str, name: str) -> str:
    """The database ``name`` of the server, made when it is not there yet; its URL."""
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not found:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
