"""``python -m identity.entrypoints.agents EMAIL "Display name"``: create a back-office agent.

The password is read from ``IDENTITY_AGENT_PASSWORD`` or asked on the terminal; it never
appears on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from identity.bootstrap import bootstrap
from identity.domain import commands, errors
from identity.domain.names import clean_name
from identity.domain.passwords import password_problems


async def _create(email: str, name: str, password: str) -> int:
    app = bootstrap()
    try:
        await app.migrate()
        result = await app.auth_bus.handle(commands.CreateAgent(email, name, password))
    except errors.IdentityError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        await app.stop()
    print(f"agent {result['email']} created: {result['account_id']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="identity-agents")
    parser.add_argument("email")
    parser.add_argument("name")
    args = parser.parse_args(argv)
    password = os.environ.get("IDENTITY_AGENT_PASSWORD") or getpass.getpass("Mot de passe : ")
    problems = password_problems(password)
    if problems:
        print(" ".join(problems), file=sys.stderr)
        return 2
    try:
        name = clean_name(args.name)
    except ValueError as exc:
        print(f"Nom : {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_create(args.email, name, password))


if __name__ == "__main__":
    sys.exit(main())
