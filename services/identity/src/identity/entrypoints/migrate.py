"""``python -m identity.entrypoints.migrate``: apply identity's migrations and exit."""

from __future__ import annotations

import asyncio

from identity.bootstrap import bootstrap


async def _run() -> None:
    app = bootstrap()
    try:
        await app.migrate()
    finally:
        await app.stop()


def main() -> None:
    asyncio.run(_run())


if __name__ == "__main__":
    main()
