"""Local keys, made once under ``var/keys`` and reused: the sealing key pair of notifications
the key that encrypts NIRs at rest in identity, and appointments' key (its links, its
verification codes, its NIRs at rest).

Production keys come from the secret store; these exist so the stack runs with nothing to set.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from servicekit.sealing import generate_keypair


def load_or_create_keys(directory: Path) -> dict[str, str]:
    path = directory / "local-keys.json"
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if {"seal_private", "seal_public", "nir_key", "appointments_key"} <= keys.keys():
        return keys
    directory.mkdir(parents=True, exist_ok=True)
    if "seal_private" not in keys:
        keys["seal_private"], keys["seal_public"] = generate_keypair()
    keys.setdefault("nir_key", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    keys.setdefault("appointments_key", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return keys
