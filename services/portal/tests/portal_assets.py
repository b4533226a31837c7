"""The portal's front-end packages (DSFR, htmx, ALTCHA's widget; axe-core for the browser
tests): ``npm ci`` from the committed lock when they are not installed yet, or were installed
from another lock (a fresh machine, or a checkout whose lock changed, running the tests
directly). ``make bootstrap`` does the same, with the same stamp."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from portal.config import PORTAL_ROOT

LOCK = PORTAL_ROOT / "package-lock.json"
STAMP = PORTAL_ROOT / "node_modules" / ".installed-lock.json"
"""A copy of the lock ``npm ci`` installed from."""


def installed_assets() -> Path:
    if not STAMP.is_file() or STAMP.read_bytes() != LOCK.read_bytes():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install the portal's front-end packages (npm ci)")
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=PORTAL_ROOT,
            check=True,
            timeout=600,
        )
        shutil.copyfile(LOCK, STAMP)
    return PORTAL_ROOT / "node_modules"
