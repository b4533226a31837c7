"""Benchmark of attestations, in one process (no broker needed): how many certificates one
core issues per second, and how fast the public verification answers.

- **issue**: ``POST /v1/attestations`` (affiliation) through the real app in-process (FastAPI,
  SQLite, the QR payload signed, the PDF drawn with its QR code and sealed with PAdES), N times;
  the rate is per CPU second of the process (all its threads), i.e. per core.
- **baseline**, same run: a blank A4 page written by reportlab, N times, per CPU second — so
  the figure reads as "a certificate costs k blank pages".
- **verify**: ``GET /v1/verifications/{code}`` on the issued codes, p50 and p99 latencies.

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
import io
import json
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx
from attestations.bootstrap import bootstrap
from attestations.config import AttestationsSettings
from attestations.entrypoints.http import AUDIENCE, create_app
from contracts.common import PostalAddress
from contracts.envelope import Envelope
from contracts.identity import v1 as identity_v1
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from servicekit.clock import FakeClock
from servicekit.messaging import IncomingEvent
from servicekit.testing.lifespan import LifespanManager
from servicekit.testing.tokens import bearer, verifier

NOW = datetime.now(UTC).replace(microsecond=0)


def _blank_pages(n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=A4)
        c.showPage()
        c.save()
    return n / (time.process_time() - started)


def _registered(affiliate_id: str) -> IncomingEvent:
    payload = identity_v1.AffiliateRegisteredV1(
        affiliate_id=affiliate_id,
        siren="732829320",
        birth_name="Dupont",
        first_names="Jean",
        category="artisan",
        address=PostalAddress(lines=["1 rue X"], postal_code="57000", city="Metz"),
        departement="57",
        affiliated_on=date(2020, 1, 1),
    )
    envelope = Envelope(
        id=f"bench-{affiliate_id}", type=payload.event_type, source="bench", time=NOW, subject="s"
    )
    return IncomingEvent(envelope, payload.model_dump(mode="json"), payload.topic, 0, 0)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(n: int, pades: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(NOW)
        settings = AttestationsSettings(
            database_url=f"sqlite+aiosqlite:///{tmp}/a.db",
            data_dir=str(Path(tmp) / "data"),
            pades=pades,
            verify_limit=10 * n + 10,
        )
        app = bootstrap(settings, clock=clock)
        api = create_app(app, verifier=verifier(clock, audience=AUDIENCE))
        async with LifespanManager(api):
            await app.on_affiliate(_registered("aff-1"))
            headers = bearer("assure", "acc-1", exp_at=NOW, aff="aff-1", cat="artisan")
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                body = {"affiliate_id": "aff-1", "kind": "affiliation"}
                await client.post("/v1/attestations", json=body, headers=headers)  # warm-up
                codes: list[str] = []
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(n):
                    resp = await client.post("/v1/attestations", json=body, headers=headers)
                    resp.raise_for_status()
                    codes.append(resp.json()["code"])
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                latencies: list[float] = []
                for code in codes:
                    started = time.perf_counter()
                    resp = await client.get(f"/v1/verifications/{code}")
                    latencies.append((time.perf_counter() - started) * 1000)
                    resp.raise_for_status()
    blank = _blank_pages(max(n, 50))
    per_core = n / cpu
    return {
        "bench": "attestations",
        "n": n,
        "pades": pades,
        "certificates_per_s_per_core": round(per_core, 1),
        "certificates_per_s_wall": round(n / wall, 1),
        "blank_pdf_per_s_per_core": round(blank, 1),
        "certificate_cost_in_blank_pages": round(blank / per_core, 1),
        "verify_p50_ms": round(statistics.median(latencies), 2),
        "verify_p99_ms": round(_p(latencies, 0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100, help="certificates to issue")
    parser.add_argument("--no-pades", action="store_true", help="leave the PAdES seal out")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.n, pades=not args.no_pades))))


if __name__ == "__main__":
    main()
