"""Debian's Chromium for the browser test: installed with apt when it is absent (never a
browser build downloaded by Playwright)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ensure_chromium() -> Path:
    """``/usr/bin/chromium``, from Debian's package when it is not there yet."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise RuntimeError(
            "Chromium is absent and cannot be installed here: run "
            "`apt-get update && apt-get install -y chromium` as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update"], check=True, env=env, timeout=600)
    subprocess.run(
        [apt, "install", "-y", "--no-install-recommends", "chromium"],
        check=True,
        env=env,
        timeout=1200,
    )
    if not CHROMIUM.exists():
        raise RuntimeError("apt-get installed chromium but /usr/bin/chromium is missing")
    return CHROMIUM
