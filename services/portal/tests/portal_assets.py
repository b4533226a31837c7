"""DSFR and htmx as the portal serves them: ``npm ci`` from the committed lock when they are
not installed yet (a fresh machine running the tests directly)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from portal.config import PORTAL_ROOT

MARKER = PORTAL_ROOT / "node_modules" / ".package-lock.json"


def installed_assets() -> Path:
    if not MARKER.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install the portal's DSFR and htmx (npm ci)")
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=PORTAL_ROOT,
            check=True,
            timeout=600,
        )
    return PORTAL_ROOT / "node_modules"
