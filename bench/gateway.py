"""Benchmark of the gateway and of the portal's client list, on real processes.

1. **The gateway's cost.** The real Envoy gateway, rendered from the one template
   (``deploy/gateway/envoy.yaml.j2`` through ``devstack.gateway``), runs in front of identity's
   and mandates' api processes. The same reads are sent direct to an api and through the
   gateway, by the same load generator (``loadgen.py``) at the same concurrency, in
   alternating rounds (direct then gateway, gateway then direct, …) so that both see the same
   machine: identity's ``GET /v1/me`` (a token, checked by the gateway then by identity),
   identity's key set (public), and the first page of mandates' client list of a firm of
   ``--clients`` clients (a token, a heavier read). Printed for each: throughput direct and
   through the gateway, their ratio (goal ≥ 0.8), p50 and p99 of each and the p99 the gateway
   adds (goal ≤ 2 ms), and Envoy's CPU per request (its idle CPU, watched for a few seconds
   first, taken off). The gateway keeps its configuration but for the per-route rate limit of
   the services' routes, raised out of the way (its filter still runs).
2. **The portal's « Mes clients » for a firm of ``--clients`` clients.** The firm signs up
   through identity's api, its clients are written in mandates' database by mandates' own code
   (``firm_clients.py``), and the portal process, signed in through its login form, renders
   ``GET /clients`` (the first page), a page deep in the list and a search. Baseline: mandates'
   own ``GET /v1/cabinets/{id}/clients`` for the same page (the call the portal makes), measured
   in the same rounds; the portal also reads the firm's portfolios (measured too). Goal: the
   page's p99 ≤ 150 ms.

One machine of few cores runs the load generator, Envoy, the apis and the portal: the result
says the cores, each process's CPU over each part, the load generator's own CPU and the load
average when the run began. No broker and no worker run (the reads need none). One JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from devstack import gateway
from devstack.keys import load_or_create_keys
from devstack.platform import PlatformConfig, start_process, wait_ready
from devstack.ports import free_port
from devstack.processes import Started, python_module, spawn, terminate
from devstack.services import ServiceSpec
from firm_clients import Firm, fill, sign_up
from loadgen import Run, load, summary
from portal.domain.firm import OPEN_STATES  # what the portal asks by default
from profiling import heaviest, profiled
from stack import BENCH_ENV, PASSWORD, ROOT, cpu_s, login

SERVICES = ("identity", "mandates")
ENV = {**BENCH_ENV, **gateway.root_path_env(SERVICES)}
PAGE_SIZE = 20
"""The portal's page of clients (``PORTAL_PAGE_SIZE``, its default)."""
SEARCH = "martin"
"""A name one client in forty bears (``firm_clients.SURNAMES``)."""
OUT_OF_THE_WAY = gateway.RateLimit(
    "api", burst=1_000_000_000, refill=1_000_000_000, every_seconds=1
)
CLIENTS_SHARE = 8
"""mandates' client list answers some twenty times fewer requests a second than ``/v1/me``: it
gets ``--requests`` divided by this, so that the run stays within a few minutes."""
IDLE_S = 5.0
"""How long the gateway is watched doing nothing, before it is measured."""
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Processes:
    cfg: PlatformConfig
    started: dict[str, Started]
    gateway_url: str
    firm: Firm
    setup_s: dict[str, float]

    def url(self, name: str) -> str:
        return self.started[name].url or ""

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.started.items()}


def _portal(cfg: PlatformConfig, urls: Mapping[str, str]) -> Started:
    port = free_port()
    portal = spawn(
        "portal",
        python_module(gateway.PORTAL_MODULE),
        {
            **os.environ,
            **BENCH_ENV,
            "PORTAL_API_PORT": str(port),
            "PORTAL_COOKIE_SECURE": "false",  # served over plain http here
            "PORTAL_IDENTITY_URL": urls["identity"],
            "PORTAL_MANDATES_URL": urls["mandates"],
            "PORTAL_PAGE_SIZE": str(PAGE_SIZE),
            "LOG_JSON": "true",
        },
        cfg.var / "log",
        cfg.root,
    )
    portal.url = f"http://127.0.0.1:{port}"
    wait_ready(f"{portal.url}/health/ready", portal)
    return portal


def _gateway(cfg: PlatformConfig, ports: Mapping[str, int], portal_port: int) -> Started:
    params = gateway.local_params(
        api_ports=dict(ports),
        listen_port=free_port(),
        admin_port=free_port(),
        portal_port=portal_port,
        access_log=str(cfg.var / "log" / "gateway-access.log"),
        cors_origins=[],
    )
    params = replace(params, limits={**params.limits, "api": OUT_OF_THE_WAY})
    config = cfg.var / "gateway.yaml"
    config.write_text(gateway.render(params))
    envoy = spawn("gateway", gateway.command(config), dict(os.environ), cfg.var / "log", cfg.root)
    envoy.url = params.url.rstrip("/")
    wait_ready(f"{params.admin_url}/ready", envoy)
    return envoy


@contextlib.asynccontextmanager
async def processes(folder: Path, clients: int) -> AsyncIterator[Processes]:
    """identity's api, the firm and its clients, mandates' api, the portal and the gateway;
    every process stopped on the way out."""
    specs = {name: ServiceSpec(name, free_port(), free_port()) for name in SERVICES}
    var = folder / "var"
    # SQLite files, whatever the shell's <SERVICE>_DATABASE_URL says: identity's outbox is read
    files = {name: var / "db" / f"{name}.db" for name in SERVICES}
    cfg = PlatformConfig(
        root=ROOT,
        var=var,
        kafka_bootstrap="127.0.0.1:9",  # no broker: the apis' reads need none
        smtp_port=free_port(),
        services=tuple(specs.values()),
        database_urls={name: f"sqlite+aiosqlite:///{file}" for name, file in files.items()},
        extra_env=dict(ENV),
    )
    started: dict[str, Started] = {}
    setup: dict[str, float] = {}
    try:
        began = time.perf_counter()
        started["identity-api"] = start_process(cfg, specs["identity"], "api")
        keys = load_or_create_keys(cfg.var / "keys")
        identity_db = files["identity"]
        async with httpx.AsyncClient(timeout=60) as client:
            firm = await sign_up(
                client, started["identity-api"].url or "", identity_db, keys["seal_private"]
            )
        setup["identity_and_firm_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        await fill(cfg.database_url("mandates"), keys["seal_public"], identity_db, firm, clients)
        setup["clients_written_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        started["mandates-api"] = start_process(cfg, specs["mandates"], "api")
        urls = {name: started[f"{name}-api"].url or "" for name in SERVICES}
        started["portal"] = _portal(cfg, urls)
        portal_port = int((started["portal"].url or "").rsplit(":", 1)[1])
        ports = {name: spec.api_port for name, spec in specs.items()}
        started["gateway"] = _gateway(cfg, ports, portal_port)
        setup["mandates_portal_gateway_s"] = round(time.perf_counter() - began, 1)
        yield Processes(cfg, started, started["gateway"].url or "", firm, setup)
    finally:
        for item in reversed(list(started.values())):
            terminate(item.pid)


def warm_up(requests: int) -> int:
    """The requests sent before a target is measured (connections, caches, the key set)."""
    return max(20, requests // 10)


async def compare(
    targets: Mapping[str, tuple[str, Mapping[str, str]]],
    requests: int,
    concurrency: int,
    rounds: int,
) -> dict[str, Run]:
    """Each target (a label: its URL and headers) after a warm-up, in ``rounds`` rounds whose
    order turns at each round, so that no target always runs first."""
    labels = list(targets)
    for label in labels:
        url, headers = targets[label]
        await load(url, warm_up(requests), concurrency, headers)
    runs = {label: Run() for label in labels}
    per_round = max(1, requests // rounds)
    for r in range(rounds):
        for label in labels if r % 2 == 0 else list(reversed(labels)):
            url, headers = targets[label]
            runs[label].extend(await load(url, per_round, concurrency, headers))
    for label, run in runs.items():
        if set(run.statuses) != {200}:
            raise RuntimeError(f"{label}: answers {run.statuses} ({targets[label][0]})")
    return runs


def _gateway_figures(runs: Mapping[str, Run]) -> dict[str, Any]:
    direct, through = summary(runs["direct"]), summary(runs["gateway"])
    return {
        "direct": direct,
        "gateway": through,
        "ratio": round(through["per_s"] / direct["per_s"], 3),
        "added_p50_ms": round(through["p50_ms"] - direct["p50_ms"], 2),
        "added_p99_ms": round(through["p99_ms"] - direct["p99_ms"], 2),
    }


@contextlib.contextmanager
def measured(pids: Mapping[str, int], into: dict[str, Any]) -> Iterator[None]:
    """Each process's CPU, the load generator's and the wall time of the block, into ``into``."""
    before = {name: cpu_s(pid) for name, pid in pids.items()}
    generator = time.process_time()
    began = time.perf_counter()
    yield
    elapsed = time.perf_counter() - began
    cpu = {name: round(cpu_s(pid) - before[name], 2) for name, pid in pids.items()}
    generator_cpu = time.process_time() - generator
    into.update(
        {
            "elapsed_s": round(elapsed, 1),
            "cpu_s": cpu,
            "cpu_busy_cores": round(sum(cpu.values()) / elapsed, 2),
            "load_generator_cpu_s": round(generator_cpu, 1),
            "load_generator_busy_cores": round(generator_cpu / elapsed, 2),
        }
    )


def _profiling(
    pids: Mapping[str, int], folder: Path | None
) -> contextlib.AbstractContextManager[None]:
    return profiled(pids, folder) if folder is not None else contextlib.nullcontext()


async def idle_cores(pid: int) -> float:
    """The cores a process keeps busy with nothing to do (its timers), over a few seconds."""
    cpu, began = cpu_s(pid), time.perf_counter()
    await asyncio.sleep(IDLE_S)
    return (cpu_s(pid) - cpu) / (time.perf_counter() - began)


def _clients_query(page: int, q: str = "") -> str:
    query: list[tuple[str, Any]] = [("page", page), ("size", PAGE_SIZE), ("sort", "name")]
    query += [("state", state) for state in OPEN_STATES]
    return urlencode(([("q", q)] if q else []) + query)


async def through_the_gateway(
    p: Processes,
    token: str,
    requests: int,
    concurrency: int,
    rounds: int,
    profile: Path | None,
) -> dict[str, Any]:
    identity, mandates, gw = p.url("identity-api"), p.url("mandates-api"), p.gateway_url
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    clients = f"/v1/cabinets/{p.firm.cabinet_id}/clients?{_clients_query(1)}"
    reads = {
        "identity_me": (f"{identity}/v1/me", f"{gw}/api/identity/v1/me", bearer, requests),
        "identity_jwks": (
            f"{identity}/.well-known/jwks.json",
            f"{gw}/api/identity/.well-known/jwks.json",
            {"Accept": "application/json"},
            requests,
        ),
        "mandates_clients": (
            f"{mandates}{clients}",
            f"{gw}/api/mandates{clients}",
            bearer,
            max(rounds, requests // CLIENTS_SHARE),
        ),
    }
    async with httpx.AsyncClient(timeout=30) as client:  # the same answer both ways
        for name, (direct, through, headers, _) in reads.items():
            one, other = (
                await client.get(direct, headers=headers),
                await client.get(through, headers=headers),
            )
            if one.status_code != 200 or other.status_code != 200 or one.json() != other.json():
                raise RuntimeError(
                    f"{name}: {one.status_code} direct, {other.status_code} {other.text[:300]}"
                )
    result: dict[str, Any] = {"concurrency": concurrency, "rounds": rounds}
    pids = {n: pid for n, pid in p.pids().items() if n != "portal"}
    names = ("identity-api", "mandates-api")
    idle = await idle_cores(pids["gateway"])
    result["gateway_idle_cpu_percent"] = round(idle * 100, 2)
    with measured(pids, result), _profiling({n: pids[n] for n in names}, profile):
        for name, (direct, through, headers, n) in reads.items():
            envoy, began = cpu_s(pids["gateway"]), time.perf_counter()
            runs = await compare(
                {"direct": (direct, headers), "gateway": (through, headers)},
                n,
                concurrency,
                rounds,
            )
            # the gateway works in its own rounds only; what it spends idle is taken off
            spent = cpu_s(pids["gateway"]) - envoy - idle * (time.perf_counter() - began)
            sent = warm_up(n) + len(runs["gateway"].latencies)
            result[name] = {
                "requests": n,
                **_gateway_figures(runs),
                "gateway_cpu_us_per_request": round(max(spent, 0.0) / sent * 1e6),
            }
    if profile is not None:
        result["profile"] = {n: heaviest(profile / f"{n}.txt") for n in names}
    return result


async def portal_session(portal: str, email: str) -> str:
    """The session cookie of the firm's administrator, signed in through the login form."""
    async with httpx.AsyncClient(base_url=portal, timeout=30) as browser:
        page = await browser.get("/connexion")
        found = _CSRF.search(page.text)
        if page.status_code != 200 or found is None:
            raise RuntimeError(f"the login page: {page.status_code}")
        form = {"csrf": found.group(1), "identifiant": email, "mot_de_passe": PASSWORD}
        signed = await browser.post("/connexion", data={**form, "suite": "/clients"})
        if signed.status_code != 303:
            raise RuntimeError(f"the login: {signed.status_code} {signed.text[:300]}")
        return f"mon-compte={browser.cookies['mon-compte']}"


async def client_pages(
    p: Processes,
    token: str,
    clients: int,
    requests: int,
    concurrency: int,
    rounds: int,
    profile: Path | None,
) -> dict[str, Any]:
    portal, mandates = p.url("portal"), p.url("mandates-api")
    cookie = {"Cookie": await portal_session(portal, p.firm.email), "Accept": "text/html"}
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    api = f"{mandates}/v1/cabinets/{p.firm.cabinet_id}"
    pages = math.ceil(clients / PAGE_SIZE)
    found = math.ceil(clients / 40 / PAGE_SIZE)
    deep = max(1, pages * 4 // 5)
    views = {
        "first_page": ("/clients", _clients_query(1), f"page 1 sur {pages}"),
        "deep_page": (f"/clients?page={deep}", _clients_query(deep), f"page {deep} sur {pages}"),
        "search": (
            f"/clients?q={SEARCH}",
            _clients_query(1, SEARCH),
            f"page 1 sur {found}" if found > 1 else SEARCH,
        ),
    }
    async with httpx.AsyncClient(timeout=30) as client:  # the pages are those meant
        for name, (path, _, expected) in views.items():
            page = await client.get(f"{portal}{path}", headers=cookie)
            if page.status_code != 200 or expected not in page.text:
                raise RuntimeError(f"{name}: {page.status_code}, « {expected} » not on the page")
    result: dict[str, Any] = {"clients": clients, "concurrency": concurrency, "rounds": rounds}
    pids = {n: pid for n, pid in p.pids().items() if n != "gateway"}
    names = ("portal", "mandates-api")
    with measured(pids, result), _profiling({n: pids[n] for n in names}, profile):
        for name, (path, query, _) in views.items():
            runs = await compare(
                {
                    "portal": (f"{portal}{path}", cookie),
                    "mandates_clients": (f"{api}/clients?{query}", bearer),
                },
                requests,
                concurrency,
                rounds,
            )
            rendered, baseline = summary(runs["portal"]), summary(runs["mandates_clients"])
            result[name] = {
                "path": path,
                "portal": rendered,
                "mandates_clients": baseline,
                "ratio_p50": round(rendered["p50_ms"] / baseline["p50_ms"], 2),
                "ratio_p99": round(rendered["p99_ms"] / baseline["p99_ms"], 2),
            }
        portfolios = await compare(
            {"mandates_portfolios": (f"{api}/portfolios", bearer)}, requests, concurrency, 1
        )
        result["mandates_portfolios"] = summary(portfolios["mandates_portfolios"])
    if profile is not None:
        result["profile"] = {n: heaviest(profile / f"{n}.txt") for n in names}
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        async with processes(Path(tmp), args.clients) as p:
            async with httpx.AsyncClient(timeout=60) as client:
                token = (await login(client, p.url("identity-api"), p.firm.email))[
                    "Authorization"
                ].removeprefix("Bearer ")
            gateway_part = await through_the_gateway(
                p,
                token,
                args.requests,
                args.concurrency,
                args.rounds,
                args.profile / "gateway" if args.profile else None,
            )
            pages_part = await client_pages(
                p,
                token,
                args.clients,
                args.page_requests,
                args.page_concurrency,
                args.rounds,
                args.profile / "pages" if args.profile else None,
            )
            setup = p.setup_s
    return {
        "bench": "gateway",
        "machine_cores": os.cpu_count(),
        "load_average_1m_at_start": round(load_at_start, 2),
        "setup_s": setup,
        "gateway": gateway_part,
        "portal_clients": pages_part,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Reads through the gateway against direct; the portal's client list "
        "against mandates' own call."
    )
    parser.add_argument("--requests", type=int, default=6_000, help="per read and per path")
    parser.add_argument("--concurrency", type=int, default=16, help="connections, gateway part")
    parser.add_argument("--clients", type=int, default=10_000, help="the firm's clients")
    parser.add_argument("--page-requests", type=int, default=300, help="per page and per path")
    parser.add_argument("--page-concurrency", type=int, default=1, help="connections, portal part")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds per read")
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder: py-spy samples the apis (and the portal) while they are measured, "
        "leaves its collapsed stacks there and the heaviest functions in the result",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
