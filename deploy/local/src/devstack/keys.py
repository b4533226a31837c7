"""Local keys, made once under ``var/keys`` and reused: the sealing key pair of notifications.

Production keys come from the secret store; these exist so the stack runs with nothing to set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from servicekit.sealing import generate_keypair


def load_or_create_keys(directory: Path) -> dict[str, str]:
    path = directory / "local-keys.json"
    if path.exists():
        keys: dict[str, str] = json.loads(path.read_text())
        return keys
    directory.mkdir(parents=True, exist_ok=True)
    private, public = generate_keypair()
    keys = {"seal_private": private, "seal_public": public}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return keys
