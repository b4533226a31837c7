"""``python -m devstack up|down|status|demo|prepare-tests|gateway``: the local stack's commands.

``up`` starts a single-node Kafka (KRaft) from the cached jars, creates the topics of the
catalogue, starts the SMTP catcher, every service's api and worker, the portal when installed
and the gateway, then prints where everything is, the gateway first. ``down`` stops exactly
what ``up`` started, by the PIDs it recorded. ``gateway render`` prints the gateway's Envoy
configuration of a profile (``devstack.gateway``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from devstack import stack


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["gateway"]:  # python -m devstack gateway render --profile … (its own options)
        from devstack import gateway

        return gateway.main(given[1:])
    parser = argparse.ArgumentParser(prog="devstack")
    parser.add_argument(
        "command",
        choices=["up", "down", "status", "demo", "mail", "agent", "prepare-tests", "gateway"],
    )
    parser.add_argument("args", nargs="*", help="agent: EMAIL NAME")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="up: every service on SQLite files (var/db) or on a PostgreSQL cluster (var/postgres)",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        choices=range(1, 5),
        metavar="N",
        help="up: N copies (1 to 4) of every api and worker",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if args.command == "up":
        started = time.monotonic()
        info = stack.up(root, args.db, args.copies)
        print(stack.summary(info, time.monotonic() - started))
    elif args.command == "down":
        stopped = stack.down(root)
        print(f"stopped {stopped} processes")
    elif args.command == "status":
        print(stack.status(root))
    elif args.command == "mail":
        from devstack.mailbox import last_mails

        print(last_mails(root / "var" / "mail"))
    elif args.command == "agent":
        return stack.create_agent(root, args.args)
    elif args.command == "demo":
        from devstack.demo import run_demo

        code: int = asyncio.run(run_demo(root))
        return code
    else:
        stack.prepare_tests(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
