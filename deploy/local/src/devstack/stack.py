"""``make up`` / ``make down``: the whole local stack under ``var/``.

Kafka (fixed ports 9092/9093), the SMTP catcher (1025, mails in ``var/mail``), the letter
folder ``var/letters``, then every service's api and worker (SQLite under ``var/db`` unless
``<SERVICE>_DATABASE_URL`` says otherwise), the portal when it is installed, and the gateway in
front of them all (Envoy, 127.0.0.1:8080; ``devstack.gateway``). What was started is recorded in
``var/run/stack.json``; ``down`` stops those PIDs and the broker, in reverse order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from devstack import gateway
from devstack.jars import ensure_jars
from devstack.kafka import KafkaBroker
from devstack.platform import PlatformConfig, start_copies, start_platform, stop_all
from devstack.processes import Started, alive, load, python_module, save, spawn, terminate
from devstack.sync import run_sync
from devstack.topics import ensure_topics

KAFKA_PORT, CONTROLLER_PORT, SMTP_PORT, LAGWATCH_PORT = 9092, 9093, 1025, 8190
POSTGRES_PORT = 5433  # beside a system PostgreSQL on 5432, should there be one
Database = Literal["sqlite", "postgres"]


@dataclass
class StackInfo:
    var: Path
    kafka: str
    processes: list[Started]


def _broker(var: Path) -> KafkaBroker:
    return KafkaBroker(var / "kafka", var / "log", KAFKA_PORT, CONTROLLER_PORT)


def _record(var: Path) -> Path:
    return var / "run" / "stack.json"


def up(root: Path, db: Database = "sqlite", copies: int = 1) -> StackInfo:
    """The whole stack; with ``db="postgres"`` every service's database is one of a PostgreSQL
    cluster kept in ``var/postgres`` (installed from Debian's packages when absent); with
    ``copies`` above 1, that many copies of every api and worker (the workers share their
    consumer groups, the gateway shares each api's requests between its copies)."""
    var = root / "var"
    for folder in ("log", "mail", "letters", "run", "db", "keys"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    previous = [p for p in load(_record(var)) if alive(p.pid)]
    if previous:
        raise SystemExit("the stack is already running: `make down` first (or `make status`)")
    broker = _broker(var)
    broker.start()
    run_sync(ensure_topics(broker.bootstrap))
    smtp = spawn(
        "smtp-catcher",
        [
            *python_module("devstack.smtp_catcher"),
            "--port",
            str(SMTP_PORT),
            "--dir",
            str(var / "mail"),
        ],
        env=_plain_env(),
        log_dir=var / "log",
        cwd=root,
    )
    smtp.url = f"smtp://127.0.0.1:{SMTP_PORT}"
    started = [smtp]
    save(_record(var), started)
    try:
        database_urls: dict[str, str] = {}
        if db == "postgres":
            server, database_urls = _postgres(var)
            started.insert(0, server)
            save(_record(var), started)
        cfg = PlatformConfig(
            root=root,
            var=var,
            kafka_bootstrap=broker.bootstrap,
            smtp_port=SMTP_PORT,
            database_urls=database_urls,
            # each api knows its prefix at the gateway; the mails' links open the portal's pages
            extra_env={**gateway.root_path_env(), **_portal_links()},
        )
        started.extend(start_platform(cfg))
        more = start_copies(cfg, copies)
        started.extend(more)
        started.append(_lagwatch(root, var, broker.bootstrap))
        portal = _portal(root, var)
        if portal is not None:
            started.append(portal)
        started.append(_gateway(root, var, more))
    except BaseException:
        stop_all(started)
        broker.stop()
        _record(var).unlink(missing_ok=True)
        raise
    save(_record(var), started)
    return StackInfo(var, broker.bootstrap, started)


def cluster_folder(var: Path) -> Path:
    """Where the stack's cluster lives: ``var/postgres``; as root, the server runs as the
    ``postgres`` user, who may not walk to the checkout (a home folder is closed to others),
    so the cluster is kept in that user's own home, one per checkout."""
    import hashlib
    import os

    if os.geteuid() != 0:
        return var / "postgres"
    checkout = hashlib.sha256(str(var.resolve()).encode()).hexdigest()[:12]
    return Path("/var/lib/postgresql/mon-compte") / checkout


def _postgres(var: Path) -> tuple[Started, dict[str, str]]:
    """The stack's PostgreSQL cluster and one database per service (``<service>``), made the
    first time; kept from one ``up`` to the next (:func:`cluster_folder`)."""
    from devstack.postgres import ensure_database, start_cluster
    from devstack.services import SERVICES

    folder = cluster_folder(var)
    folder.mkdir(parents=True, exist_ok=True)
    server = start_cluster(folder, POSTGRES_PORT, durable=True)
    urls = {spec.name: run_sync(ensure_database(server.url, spec.name)) for spec in SERVICES}
    assert server.pid is not None
    started = Started("postgres", server.pid, str(folder / "postgres.log"))
    started.url = server.url.replace("postgresql+asyncpg", "postgresql")
    return started, urls


def _portal_links() -> dict[str, str]:
    """With the portal installed, the activation, password-reset and e-mail confirmation links
    of identity's mails, and the manage link of appointments' mails, open its pages through the
    gateway (a form there; opening the link changes nothing)."""
    if not gateway.portal_available():
        return {}
    site = f"http://127.0.0.1:{gateway.LOCAL_PORT}"
    return {
        "IDENTITY_ACTIVATION_URL": f"{site}/activation",
        "IDENTITY_PASSWORD_RESET_URL": f"{site}/reinitialisation",
        "IDENTITY_EMAIL_CONFIRMATION_URL": f"{site}/confirmation-email",
        "APPOINTMENTS_MANAGE_URL": f"{site}/rendez-vous/gestion",
    }


def _lagwatch(root: Path, var: Path, bootstrap: str) -> Started:
    """Every consumer group's lag seen from the broker, and the stalled-group alert."""
    from devstack.platform import wait_ready

    watch = spawn(
        "lagwatch",
        python_module("servicekit.lagwatch"),
        env={
            **_plain_env(),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "LAGWATCH_PORT": str(LAGWATCH_PORT),
            "LOG_JSON": "true",
        },
        log_dir=var / "log",
        cwd=root,
    )
    watch.url = f"http://127.0.0.1:{LAGWATCH_PORT}"
    wait_ready(f"{watch.url}/health/live", watch)
    return watch


def _portal(root: Path, var: Path) -> Started | None:
    """The web portal, when its package is installed; a portal that does not come up is
    reported and stopped, and the rest of the stack runs on."""
    from devstack.platform import wait_ready

    if not gateway.portal_available():
        return None
    portal = spawn(
        "portal",
        python_module(gateway.PORTAL_MODULE),
        env={
            **_plain_env(),
            "PORTAL_API_PORT": str(gateway.PORTAL_PORT),
            "PORTAL_COOKIE_SECURE": "false",  # the local stack is served over plain http
            "LOG_JSON": "true",
        },
        log_dir=var / "log",
        cwd=root,
    )
    portal.url = f"http://127.0.0.1:{gateway.PORTAL_PORT}"
    try:
        wait_ready(f"{portal.url}/health/ready", portal)
    except (RuntimeError, TimeoutError) as exc:
        terminate(portal.pid)
        print(f"the portal did not start ({exc}); the stack runs without it")
        return None
    return portal


def _gateway(root: Path, var: Path, copies: list[Started]) -> Started:
    """Envoy in front of everything, from the one template (``deploy/gateway``); the apis'
    other ``copies`` share their requests."""
    from devstack.platform import wait_ready

    api_copies: dict[str, list[int]] = {}
    for item in copies:
        service, role, _ = item.name.rsplit("-", 2)
        if role == "api" and item.url:
            api_copies.setdefault(service, []).append(int(item.url.rsplit(":", 1)[1]))
    params = gateway.local_params(
        access_log=str(var / "log" / "gateway-access.log"),
        metrics_port=gateway.LOCAL_METRICS_PORT,
        api_copies=api_copies,
    )
    config = var / "run" / "gateway.yaml"
    config.write_text(gateway.render(params))
    envoy = spawn("gateway", gateway.command(config), _plain_env(), var / "log", root)
    envoy.url = params.url
    wait_ready(f"{params.admin_url}/ready", envoy)
    return envoy


def _plain_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def down(root: Path) -> int:
    var = root / "var"
    started = load(_record(var))
    for item in reversed(started):
        terminate(item.pid)
    broker = _broker(var)
    had_broker = broker.pid() is not None
    broker.stop()
    _record(var).unlink(missing_ok=True)
    return len(started) + int(had_broker)


def status(root: Path) -> str:
    var = root / "var"
    rows = [
        {"name": p.name, "pid": p.pid, "alive": alive(p.pid), "url": p.url, "log": p.log}
        for p in load(_record(var))
    ]
    broker = _broker(var)
    rows.insert(0, {"name": "kafka", "pid": broker.pid(), "alive": broker.pid() is not None})
    return json.dumps(rows, indent=2)


def prepare_tests(root: Path) -> None:
    """What the suite needs on a fresh machine: Kafka's jars and PostgreSQL's binaries."""
    from devstack.postgres import install_server

    ensure_jars()
    install_server()


def summary(info: StackInfo, seconds: float) -> str:
    width = max([len("SMTP catcher")] + [len(item.name) for item in info.processes])

    def row(label: str, text: str) -> str:
        return f"  {label:<{width}}  {text}"

    lines = []
    entry = next((item for item in info.processes if item.name == "gateway"), None)
    if entry is not None:
        lines += [
            f"Mon compte: {entry.url}  (the gateway: the portal at /, each api at "
            f"/api/<service>/, every API's docs at {entry.url}api/docs)",
            "",
        ]
    lines += [f"Mon compte is up in {seconds:.0f} s.", "", row("Kafka", info.kafka)]
    for item in info.processes:
        if item.name == "gateway":
            metrics = f"http://127.0.0.1:{gateway.LOCAL_METRICS_PORT}/stats/prometheus"
            admin = f"http://127.0.0.1:{gateway.LOCAL_ADMIN_PORT}"
            lines.append(row("Gateway", f"{item.url}  (metrics {metrics}, admin {admin})"))
        elif item.name == "portal":
            lines.append(row("Portal", f"{item.url}  (direct; through the gateway at /)"))
        elif item.name == "smtp-catcher":
            lines.append(row("SMTP catcher", f"{item.url}  (mails in {info.var / 'mail'})"))
        elif item.name == "lagwatch":
            lines.append(row("Lag watch", f"{item.url}/alerts  (consumer lag)  {item.url}/metrics"))
        elif item.name == "postgres":
            lines.append(row("PostgreSQL", f"{item.url}  (a database per service)"))
        elif re.search(r"-api(-\d+)?$", item.name):
            lines.append(row(item.name, f"{item.url}/docs  (OpenAPI)  {item.url}/metrics"))
        else:
            lines.append(
                row(item.name, f"{item.url}/docs/asyncapi  (AsyncAPI)  {item.url}/metrics")
            )
    lines += [
        row("Letters", str(info.var / "letters")),
        row("Logs", str(info.var / "log")),
        "",
        "Try it: make demo  —  stop everything: make down",
    ]
    return "\n".join(lines)


def running_database_urls(var: Path) -> dict[str, str]:
    """Each service's database in the stack ``up`` started: a database of its PostgreSQL
    cluster when one runs (``make up DB=postgres``), else none (the SQLite files)."""
    from devstack.postgres import ensure_database
    from devstack.services import SERVICES

    server = next((p for p in load(_record(var)) if p.name == "postgres" and alive(p.pid)), None)
    if server is None or not server.url:
        return {}
    url = server.url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return {spec.name: run_sync(ensure_database(url, spec.name)) for spec in SERVICES}


def create_agent(root: Path, args: list[str]) -> int:
    """A back-office agent in the local stack's identity database (password asked): its
    PostgreSQL database when the stack runs on PostgreSQL, its SQLite file otherwise."""
    import subprocess

    from devstack.platform import service_env
    from devstack.services import SERVICES

    if len(args) != 2:
        raise SystemExit('usage: make agent EMAIL=agent@example.fr NAME="Prénom Nom"')
    var = root / "var"
    cfg = PlatformConfig(
        root=root,
        var=var,
        kafka_bootstrap="127.0.0.1:9092",
        smtp_port=SMTP_PORT,
        database_urls=running_database_urls(var),
    )
    identity = next(s for s in SERVICES if s.name == "identity")
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*python_module("identity.entrypoints.agents"), *args],
        env=service_env(cfg, identity),
        cwd=root,
        check=False,
    )
    return done.returncode
