"""The image's entry point: ``launch.py <service> <role>`` (or ``SERVICE`` and ``ROLE`` in
the environment) runs ``python -m <service>.entrypoints.<role>``; ``launch.py --health``
is the image's HEALTHCHECK (``/health/live`` of the process this container runs).

The process listens on ``<SERVICE>_API_PORT`` or ``<SERVICE>_WORKER_PORT``; when unset, on
8080 (api) or 8081 (worker), as the Kubernetes manifests set them. What runs is written to
``/tmp/mon-compte-process.json`` for the health check, which sees neither the arguments nor
the environment of the entry point.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {"api": 8080, "worker": 8081}
STATE = Path("/tmp/mon-compte-process.json")  # noqa: S108 - the only writable folder
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
USAGE = "usage: launch.py <service> <api|worker|migrate> (or SERVICE and ROLE), or --health"


def choose(argv: list[str], env: dict[str, str]) -> tuple[str, str]:
    """The service and role asked for: the arguments first, then the environment."""
    service = argv[0] if argv else env.get("SERVICE", "")
    role = argv[1] if len(argv) > 1 else env.get("ROLE", "api")
    if not NAME.match(service) or not NAME.match(role):
        raise SystemExit(USAGE)
    return service, role


def port_setting(service: str, role: str) -> str:
    return f"{service.upper()}_{role.upper()}_PORT"


def run(argv: list[str]) -> None:
    service, role = choose(argv, dict(os.environ))
    module = f"{service}.entrypoints.{role}"
    if importlib.util.find_spec(service) is None or importlib.util.find_spec(module) is None:
        raise SystemExit(f"no process {role!r} for service {service!r} in this image")
    if role in DEFAULT_PORTS:
        setting = port_setting(service, role)
        os.environ.setdefault(setting, str(DEFAULT_PORTS[role]))
        STATE.write_text(
            json.dumps({"service": service, "role": role, "port": os.environ[setting]})
        )
    os.execv(sys.executable, [sys.executable, "-m", module])  # noqa: S606 - no shell


def health() -> int:
    try:
        port = int(json.loads(STATE.read_text())["port"])
    except (OSError, ValueError, KeyError):
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=3) as answer:
            return 0 if answer.status == 200 else 1
    except OSError:
        return 1


def main() -> None:
    args = sys.argv[1:]
    if args == ["--health"]:
        raise SystemExit(health())
    run(args)


if __name__ == "__main__":
    main()
