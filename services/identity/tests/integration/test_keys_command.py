"""The operators' command on identity's signing keys, run as a process over a database the way
an operator runs it next to the api copies: ``list``, ``rotate`` (published ahead, once),
``replace`` (every other key withdrawn)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from identity.adapters.nir_vault import NirVault
from servicekit.sealing import generate_keypair


def _env(database: Path) -> dict[str, str]:
    _, public = generate_keypair()
    return {
        **os.environ,
        "IDENTITY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "IDENTITY_NIR_KEY": NIR_KEY,
        "IDENTITY_KEY_ENCRYPTION_KEY": KEK,
        "NOTIFICATIONS_SEAL_PUBLIC_KEY": public,
    }


NIR_KEY = NirVault.generate_key()
KEK = NirVault.generate_key()


def _keys(env: dict[str, str], action: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "identity.entrypoints.keys", action],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def _states(lines: list[str]) -> list[tuple[str, str]]:
    """(kid, state) of the listing's lines."""
    return [(line.split()[0], line.split()[-1]) for line in lines if "generation" in line]


def test_list_rotate_and_replace_on_the_services_database(tmp_path: Path) -> None:
    env = _env(tmp_path / "identity.db")
    [(first, state)] = _states(_keys(env, "list"))  # the first key, made as the api would
    assert state == "signs"

    rotated = _keys(env, "rotate")
    assert rotated[0].startswith("next key ")
    assert "it signs from" in rotated[0]
    waiting = rotated[0].split()[2]
    assert _states(rotated) == [(first, "signs"), (waiting, "published")]
    again = _keys(env, "rotate")
    assert again[0].split()[2] == waiting  # asked twice: the same waiting key, no other
    assert len(_states(again)) == 2

    replaced = _keys(env, "replace")
    new = replaced[0].split()[1]
    assert replaced[0] == f"key {new} signs now; withdrawn: {first}, {waiting}"
    assert _states(replaced) == [(new, "signs")]
    assert _states(_keys(env, "list")) == [(new, "signs")]
