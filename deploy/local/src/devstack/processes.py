"""Starting and stopping the stack's processes by the PIDs we started.

Each process runs in its own session (so a signal reaches it and its children), writes its
output to ``var/log/<name>.log``, and is recorded in ``var/run/stack.json`` so that
``make down`` stops exactly what ``make up`` started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Started:
    name: str
    pid: int
    log: str
    url: str | None = None


def spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path, cwd: Path) -> Started:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    return Started(name=name, pid=proc.pid, log=str(log_path))


def python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return _not_zombie(pid)
    return waited == 0


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def terminate(pid: int, timeout_s: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL it after ``timeout_s``."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            time.sleep(0.05)


def kill(pid: int) -> None:
    """SIGKILL at once (fault tests)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def save(path: Path, started: list[Started]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(s) for s in started], indent=2))


def load(path: Path) -> list[Started]:
    if not path.exists():
        return []
    return [Started(**item) for item in json.loads(path.read_text())]
