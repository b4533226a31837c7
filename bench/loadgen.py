"""A lean HTTP/1.1 load generator for the benchmarks: ``concurrency`` keep-alive connections,
each sending its next request as soon as the answer to the last one is read (a closed loop),
until ``requests`` have been answered.

It speaks just enough HTTP/1.1 over asyncio's streams (a request line and headers out; a status
line, headers and a ``Content-Length`` or chunked body in), so that it costs the machine a small
part of what a full client would: on a machine of two cores the load generator shares the cores
with what it measures. ``time.process_time()`` before and after a run tells its own CPU.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Run:
    """What one run of the generator measured: each answer's latency (seconds), the wall time
    the run took, and how many answers had each status."""

    latencies: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def extend(self, other: Run) -> None:
        self.latencies.extend(other.latencies)
        self.elapsed_s += other.elapsed_s
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.elapsed_s if self.elapsed_s else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(run: Run) -> dict[str, float]:
    """Requests per second, p50 and p99 (milliseconds) of a run."""
    return {
        "per_s": round(run.per_s, 1),
        "p50_ms": round(percentile(run.latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(run.latencies, 99) * 1000, 2),
    }


def request_bytes(url: str, headers: Mapping[str, str] | None = None) -> bytes:
    """The bytes of ``GET url`` with ``headers`` (and ``Host``), kept alive."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One answer read whole: its status, and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif name == "connection":
            close = value.strip().lower() == "close"
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def load(
    url: str,
    requests: int,
    concurrency: int,
    headers: Mapping[str, str] | None = None,
) -> Run:
    """``requests`` GETs of ``url`` over ``concurrency`` keep-alive connections."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payload = request_bytes(url, headers)
    run = Run()
    left = requests

    async def connection() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while left > 0:
                left -= 1
                asked = time.perf_counter()
                writer.write(payload)
                status, close = await _read_answer(reader)
                run.latencies.append(time.perf_counter() - asked)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(max(1, min(concurrency, requests)))))
    run.elapsed_s = time.perf_counter() - began
    return run
