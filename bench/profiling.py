"""Sampling profiles of the running stack's processes with py-spy, for the benchmarks.

``profiled(pids, folder)`` records every process named in ``pids`` while its block runs (one
``py-spy record`` each, in collapsed-stack form, idle frames left out) and leaves one
``<name>.txt`` per process in ``folder``. ``heaviest(path)`` reads one back: how many samples,
and the functions of our own packages (:data:`OURS`) with the largest share of them
(inclusive: a function and everything it calls), so a benchmark can print where each
process's time goes.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

OURS = frozenset(
    {
        "contracts",
        "servicekit",
        "delegation",
        "identity",
        "notifications",
        "cotisations",
        "mandates",
        "attestations",
        "appointments",
        "portal",
    }
)
"""The packages of our own code: py-spy names a frame's file from its package."""
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str:
    found = shutil.which("py-spy")
    if found is None:
        raise SystemExit(
            "py-spy is not installed: `python3 -m uv run --frozen --all-packages` has it "
            "from the dev dependencies"
        )
    return found


@contextlib.contextmanager
def profiled(pids: Mapping[str, int], folder: Path, rate: int = 100) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    tool = py_spy()
    recorders = [
        subprocess.Popen(
            [
                tool,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(folder / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()


def frames(stack: str) -> list[tuple[str, str]]:
    """(function, file path) of each frame of one collapsed stack, outermost first."""
    found: list[tuple[str, str]] = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        found.append((frame, "") if match is None else (match["function"], match["file"]))
    return found


def heaviest(path: Path, count: int = 12) -> dict[str, object]:
    """Samples of one profile, and the ``count`` functions of our own code under which the
    most samples were taken, with their share (percent)."""
    total = 0
    under: dict[str, int] = {}
    if not path.exists():
        return {"samples": 0}
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        ours = {
            f"{function} ({Path(file).parent.name}/{Path(file).name})"
            for function, file in frames(stack)
            if Path(file).parts[:1] and Path(file).parts[0] in OURS
        }
        for name in ours:
            under[name] = under.get(name, 0) + int(samples)
    top = sorted(under.items(), key=lambda item: -item[1])[:count]
    return {"samples": total, "top": {name: round(100 * n / total, 1) for name, n in top}}


def profiled_if(
    pids: Mapping[str, int], folder: Path | None
) -> contextlib.AbstractContextManager[None]:
    """:func:`profiled` when a folder is given (a bench's ``--profile``), else nothing."""
    return profiled(pids, folder) if folder is not None else contextlib.nullcontext()


def profile_figures(names: tuple[str, ...], folder: Path | None) -> dict[str, object]:
    """The ``profile`` entry of a bench's result: the heaviest functions of each process."""
    if folder is None:
        return {}
    return {"profile": {name: heaviest(folder / f"{name}.txt") for name in names}}
