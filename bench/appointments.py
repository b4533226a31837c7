"""Benchmark of appointments, in one process (no broker needed): the free-slot search over 100
agencies × 3 months, and the last places booked by many clients at once.

The real app in-process (FastAPI through httpx's ASGI transport, a SQLite file database in a
temporary folder, the real clock: slots from today on). At start the packaged agencies are
loaded as the api does; then, through the same ``LoadReference`` use case, 98 copies of the
reference agencies (cycled, so their hours, slot lengths, capacities, départements and closures
vary) are added to Île-de-France, which thus holds **100 agencies**, and one more agency of
capacity 1 (``bench-guichet``, in Bretagne) takes the bookings. Before the clock starts, a
share of the 3 months' slots of the 100 agencies (``--held``, half by default) gets places
taken (from one to all of them, so about a third of those are full), written straight into
``slot_holds``: the search reads a busy quarter, not an empty one.

- **search**: ``GET /v1/slots?region=IDF&from=<day>&limit=<page>`` and
  ``GET /v1/slots?agency_id=<one of the 100>&from=<day>&limit=<page>``, the day moving over the
  3 months (``APPOINTMENTS_SEARCH_DAYS``, 92); p50 and p99 latencies.
- **baseline**, same run, requests interleaved with the measured ones: the same request shape
  (same region or agency, same page size) with ``from`` a week past the horizon, so the
  service does all its request handling (the agencies read, the checks, the page written) with
  nothing to generate — each search figure is also given as a ratio to it.
- **booking**: ``--clients`` (200) clients at once for ``--slots`` (20) slots of capacity 1
  (the agency's ``default_capacity``), so a total capacity of 20, client ``i`` asking for slot
  ``i mod 20``; ``--rounds`` times, each on 20 new slots. Each client has its own valid NIR and
  its verification code (the ALTCHA proof of work) solved before the clock starts, so the
  figure is the booking's, not the proof of work's; the difficulty is lowered
  (``--captcha-max``: checking costs one hash whatever it is). The rate limit
  (``APPOINTMENTS_BOOKING_LIMIT``) and the open-requests bound
  (``APPOINTMENTS_OPEN_REQUESTS_MAX``) are raised above the number of bookings so neither
  refuses anyone: every refusal is the place's. Exactly the capacity must be accepted (201),
  every other answer 409 ``slot-full``, and each slot's ``taken`` 1 in the database — else
  the line is printed with ``"booking_ok": false`` and the exit status is 1. Reported: all the
  answers per second of wall time, accepted per second, and the answers' p50 and p99.

One JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is first on the path and the file's name would hide the
# service's package of the same name: the benchmarks' folder is taken off before the imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import asyncio
import base64
import copy
import gc
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from appointments.adapters import orm
from appointments.adapters.captcha import Captcha
from appointments.bootstrap import AppointmentsApp, bootstrap
from appointments.config import AppointmentsSettings
from appointments.domain import commands
from appointments.domain.slots import slots_between
from appointments.entrypoints.http import AUDIENCE, create_app
from appointments.reference import load_packaged_document
from servicekit.sealing import generate_keypair
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import verifier
from sqlalchemy import func, insert, select

REGION = "IDF"
"""The region the search runs over: its 2 reference agencies and 98 copies."""
AGENCIES = 100
BOOKING_AGENCY = "bench-guichet"
BOOKING_REGION = "BRE"
REASON = "cotisations-echeancier"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _nir(n: int) -> str:
    """A valid NIR of its own for each ``n`` below a million (man, born January 1980, Paris)."""
    digits = f"1800175{n // 1000:03d}{n % 1000:03d}"
    return f"{digits}{97 - int(digits) % 97:02d}"


def _extra_agencies(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Copies of the reference agencies making ``REGION`` hold ``AGENCIES``, and the booking
    agency (capacity 1)."""
    reference: list[dict[str, Any]] = document["agencies"]
    already = sum(1 for a in reference if a["region"] == REGION)
    made = []
    for i in range(AGENCIES - already):
        record = copy.deepcopy(reference[i % len(reference)])
        record["agency_id"] = f"bench-{i:03d}-{record['agency_id']}"
        record["name"] = f"{record['name']} (copie {i})"
        record["region"] = REGION
        record["version"] = 1
        made.append(record)
    guichet = copy.deepcopy(next(a for a in reference if a["agency_id"] == "agence-paris"))
    guichet.update(
        agency_id=BOOKING_AGENCY,
        name="Guichet du banc d'essai",
        region=BOOKING_REGION,
        default_capacity=1,
        closures=[],
        version=1,
    )
    made.append(guichet)
    return made


async def _hold_places(app: AppointmentsApp, held: float, seed: int) -> int:
    """Places taken in a share ``held`` of the region's slots of the search's range."""
    rng = random.Random(seed)
    now = app.clock.now()
    earliest = now + timedelta(hours=app.settings.notice_hours)
    horizon = (now + timedelta(days=app.settings.search_days)).date()
    rows: list[dict[str, Any]] = []
    for agency in await app.agencies():
        if agency.region != REGION or agency.default_capacity < 1:
            continue
        for slot in slots_between(agency, now.date(), horizon + timedelta(days=1)):
            if slot.starts_at >= earliest and rng.random() < held:
                taken = rng.randint(1, agency.default_capacity)
                rows.append(
                    {
                        "agency_id": agency.agency_id,
                        "starts_at": slot.starts_at,
                        "taken": taken,
                        "capacity": None,
                    }
                )
    if rows:
        async with app.engine.begin() as conn:
            await conn.execute(insert(orm.slot_holds), rows)
    return len(rows)


async def _timed_get(client: httpx.AsyncClient, params: dict[str, Any]) -> tuple[float, int]:
    """The latency (ms) of one search, and how many slots it gave."""
    started = time.perf_counter()
    resp = await client.get("/v1/slots", params=params)
    elapsed = (time.perf_counter() - started) * 1000
    resp.raise_for_status()
    return elapsed, len(resp.json()["items"])


async def _search(
    client: httpx.AsyncClient, shapes: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, float]:
    """Each (measured, baseline) pair of requests timed in turn; figures of both."""
    gc.collect()  # the setup's (or the previous shape's) garbage is not this shape's cost
    for measured, baseline in shapes[:5]:  # warm-up
        await _timed_get(client, measured)
        await _timed_get(client, baseline)
    times: list[float] = []
    base: list[float] = []
    found = 0
    for measured, baseline in shapes:
        elapsed, n = await _timed_get(client, measured)
        times.append(elapsed)
        found += n
        elapsed, n = await _timed_get(client, baseline)
        base.append(elapsed)
        if n:
            raise SystemExit(f"the baseline found {n} slots: {baseline}")
    if not found:
        raise SystemExit(f"the search found no slot: {shapes[0][0]}")
    p50, p99 = statistics.median(times), _p(times, 0.99)
    b50, b99 = statistics.median(base), _p(base, 0.99)
    return {
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "baseline_p50_ms": round(b50, 2),
        "baseline_p99_ms": round(b99, 2),
        "p50_ratio": round(p50 / b50, 1),
        "p99_ratio": round(p99 / b99, 1),
        "slots_per_page": round(found / len(shapes), 1),
    }


async def _solved(client: httpx.AsyncClient, captcha: Captcha) -> str:
    return captcha.solve((await client.get("/v1/captcha")).json())


def _body(slot: str, nir: str, code: str) -> dict[str, Any]:
    return {
        "agency_id": BOOKING_AGENCY,
        "starts_at": slot,
        "reason_code": REASON,
        "channel": "agence",
        "nir": nir,
        "first_names": "Jean",
        "last_name": "Dupont",
        "address": "1 rue de la Paix, 75002 Paris",
        "mobile": "06 12 34 56 78",
        "email": "jean.dupont@example.fr",
        "terms_accepted": True,
        "captcha": code,
    }


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    resp = await client.post("/v1/appointments", json=body)
    return (time.perf_counter() - started) * 1000, resp


async def _booking(
    app: AppointmentsApp, client: httpx.AsyncClient, clients: int, slots: int, rounds: int
) -> tuple[dict[str, Any], list[str]]:
    """The rounds of ``clients`` at once for ``slots`` places; the figures and what went
    wrong (nothing if all is right)."""
    captcha = app.deps.captcha
    assert isinstance(captcha, Captcha)
    wanted = slots * rounds + 1
    resp = await client.get("/v1/slots", params={"agency_id": BOOKING_AGENCY, "limit": wanted})
    resp.raise_for_status()
    free = [item["starts_at"] for item in resp.json()["items"]]
    if len(free) < wanted or any(item["places_left"] != 1 for item in resp.json()["items"]):
        raise SystemExit(f"{BOOKING_AGENCY} has not {wanted} free slots of one place")
    warm = await client.post(
        "/v1/appointments", json=_body(free[0], _nir(999_999), await _solved(client, captcha))
    )
    warm.raise_for_status()
    gc.collect()
    faults: list[str] = []
    codes: Counter[str] = Counter()
    latencies: list[float] = []
    wall = 0.0
    for r in range(rounds):
        round_slots = free[1 + r * slots : 1 + (r + 1) * slots]
        bodies = [
            _body(round_slots[i % slots], _nir(r * clients + i), await _solved(client, captcha))
            for i in range(clients)
        ]
        started = time.perf_counter()
        answers = await asyncio.gather(*(_post(client, b) for b in bodies))
        wall += time.perf_counter() - started
        accepted = 0
        for elapsed, answer in answers:
            latencies.append(elapsed)
            if answer.status_code == 201:
                accepted += 1
                codes["201"] += 1
            elif answer.status_code == 409:
                kind = str(answer.json().get("type", "")).rsplit("/", 1)[-1]
                codes[f"409 {kind}"] += 1
                if kind != "slot-full":
                    faults.append(f"round {r}: 409 {kind}")
            else:
                codes[str(answer.status_code)] += 1
                faults.append(f"round {r}: {answer.status_code} {answer.text[:200]}")
        if accepted != slots:
            faults.append(f"round {r}: {accepted} accepted for a capacity of {slots}")
        t = orm.slot_holds
        async with app.engine.connect() as conn:
            taken = (
                await conn.execute(
                    select(t.c.starts_at, t.c.taken).where(
                        t.c.agency_id == BOOKING_AGENCY,
                        t.c.starts_at.in_([datetime.fromisoformat(s) for s in round_slots]),
                    )
                )
            ).all()
        if len(taken) != slots or any(row.taken != 1 for row in taken):
            faults.append(f"round {r}: places taken in the database {[x.taken for x in taken]}")
    async with app.engine.connect() as conn:
        booked = (
            await conn.execute(
                select(func.count())
                .select_from(orm.appointments)
                .where(orm.appointments.c.agency_id == BOOKING_AGENCY)
            )
        ).scalar_one()
    if booked != slots * rounds + 1:
        faults.append(f"{booked} appointments stored for {slots * rounds + 1} places")
    answered = clients * rounds
    figures = {
        "clients": clients,
        "slots": slots,
        "capacity_per_slot": 1,
        "capacity": slots,
        "rounds": rounds,
        "accepted": codes["201"],
        "refused_slot_full": codes["409 slot-full"],
        "answers": dict(sorted(codes.items())),
        "answers_per_s": round(answered / wall, 1),
        "accepted_per_s": round(codes["201"] / wall, 1),
        "answer_p50_ms": round(statistics.median(latencies), 1),
        "answer_p99_ms": round(_p(latencies, 0.99), 1),
        "wall_s": round(wall, 3),
    }
    return figures, faults


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    bookings = args.clients * args.rounds + 10
    with tempfile.TemporaryDirectory() as tmp:
        settings = AppointmentsSettings(
            database_url=f"sqlite+aiosqlite:///{tmp}/appointments.db",
            secret_key=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            notifications_public_key=generate_keypair()[1],
            public_url="https://rdv.example",
            captcha_max_number=args.captcha_max,
            booking_limit=bookings,
            open_requests_max=bookings,
        )
        app = bootstrap(settings)
        api = create_app(app, verifier=verifier(audience=AUDIENCE))
        async with LifespanManager(api):
            document = load_packaged_document()
            extra = _extra_agencies(document)
            await app.bus.handle(commands.LoadReference({**document, "agencies": extra}))
            held = await _hold_places(app, args.held, args.seed)
            region_ids = sorted(a.agency_id for a in await app.agencies() if a.region == REGION)
            assert len(region_ids) == AGENCIES, len(region_ids)
            today = app.clock.now().date()
            beyond = today + timedelta(days=settings.search_days + 7)
            span = settings.search_days

            def day(i: int) -> date:
                return today + timedelta(days=(i * 37) % span)

            page = {"limit": args.limit}
            by_region = [
                (
                    {"region": REGION, "from": day(i).isoformat(), **page},
                    {"region": REGION, "from": beyond.isoformat(), **page},
                )
                for i in range(args.n)
            ]
            by_agency = [
                (
                    {"agency_id": region_ids[i % AGENCIES], "from": day(i).isoformat(), **page},
                    {"agency_id": region_ids[i % AGENCIES], "from": beyond.isoformat(), **page},
                )
                for i in range(args.n)
            ]
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                region = await _search(client, by_region)
                agency = await _search(client, by_agency)
                booking, faults = await _booking(app, client, args.clients, args.slots, args.rounds)
    line = {
        "bench": "appointments",
        "agencies": AGENCIES,
        "search_days": span,
        "held_slots": held,
        "n": args.n,
        "limit": args.limit,
        "search_region": region,
        "search_agency": agency,
        "booking": booking,
        "booking_ok": not faults,
    }
    return line, faults


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=150, help="searches of each shape")
    parser.add_argument("--limit", type=int, default=20, help="the search's page size")
    parser.add_argument(
        "--held", type=float, default=0.5, help="share of the slots with places taken"
    )
    parser.add_argument("--clients", type=int, default=200, help="clients booking at once")
    parser.add_argument("--slots", type=int, default=20, help="slots of one place they want")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the booking")
    parser.add_argument(
        "--captcha-max", type=int, default=1000, help="the verification code's difficulty"
    )
    parser.add_argument("--seed", type=int, default=1, help="the places taken's draw")
    args = parser.parse_args()
    if args.slots * args.rounds + 1 > 200:
        parser.error("--slots × --rounds must stay below 200 (one page of the agency's slots)")
    line, faults = asyncio.run(run(args))
    print(json.dumps(line))
    if faults:
        print("\n".join(faults), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
