"""``python -m identity.entrypoints.keys list|rotate|replace``: the operators' hand on identity's
signing keys (the api copies rotate them by themselves on a schedule; ADR 0013).

- ``list``: each key with its id, generation, since when it signs and its state.
- ``rotate``: a rotation before its time, with the schedule's overlap: the next key is
  published now and signs 10 minutes later, once every api copy (which reads the table every
  ``IDENTITY_SIGNING_KEY_CHECK_INTERVAL_S``) and every verifier has it; the older key verifies
  until its last token has expired. Nobody notices. Run twice, it does not add a second key.
- ``replace``: after a leak of a private key: a new key signs at once and every other key is
  withdrawn from the table and the key set. The access tokens they signed are refused as soon
  as each verifier reads the key set again; people keep their sessions (a refresh token is not
  signed with these keys, and the next refresh gives a token of the new key). The api copies
  sign with the new key from their next check; restart them to make it immediate.

It works on the database the service's settings name (``IDENTITY_DATABASE_URL``, and
``IDENTITY_KEY_ENCRYPTION_KEY`` to open the keys), as the api does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from identity.bootstrap import IdentityApp, bootstrap


def _print_keys(app: IdentityApp) -> None:
    for key, state in app.keys.listing():
        since = f"{key.signs_from:%Y-%m-%d %H:%M:%S %Z}"
        print(f"{key.kid}  generation {key.generation}  signs from {since}  {state}")


async def _run(action: str) -> int:
    app = bootstrap()
    try:
        await app.migrate()
        await app.keys.load()
        if action == "rotate":
            key = await app.keys.rotate_ahead()
            print(
                f"next key {key.kid} published; it signs from {key.signs_from:%Y-%m-%d %H:%M:%S %Z}"
            )
        elif action == "replace":
            kid, withdrawn = await app.keys.replace()
            print(f"key {kid} signs now; withdrawn: {', '.join(withdrawn) or 'none'}")
        await app.keys.reread()
        _print_keys(app)
    finally:
        await app.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="identity-keys", description="identity's signing keys: list, rotate, replace"
    )
    parser.add_argument("action", choices=("list", "rotate", "replace"))
    args = parser.parse_args(argv)
    return asyncio.run(_run(args.action))


if __name__ == "__main__":
    sys.exit(main())
