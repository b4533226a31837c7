"""``python -m cotisations.bank run [--date 2026-04-07]``: the debit day now (its pain.008 in
``COTISATIONS_BANK_FILES_DIR``); ``python -m cotisations.bank returns --date 2026-04-07
[--reject END_TO_END_ID:AM04 …]``: the bank's return file of that day on ``bank.sepa_returns``
(through the outbox: the worker's relay publishes it and its consumer applies it), the debits
named rejected, the others settled. Development only: refused when ``ENVIRONMENT`` is
production. Prints one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date

from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.domain.payments import commands
from cotisations.service_layer.payments import DebitRun


async def _main(args: argparse.Namespace) -> dict[str, object]:
    settings = CotisationsSettings()
    if settings.environment == "production":
        raise SystemExit("python -m cotisations.bank is a development tool: refused in production")
    app = bootstrap(settings)
    try:
        await app.migrate()
        if args.command == "run":
            run: DebitRun = await app.bus.handle(commands.RunDebitDay(args.date))
            return {
                "debit_date": run.debit_date.isoformat(),
                "file": run.file_name,
                "transactions": run.transactions,
                "total": f"{run.total:.2f}",
                "already_run": run.already_run,
            }
        rejected = dict(item.split(":", 1) for item in args.reject)
        settled, refused = await app.bus.handle(commands.PublishBankReturns(args.date, rejected))
        return {"debit_date": args.date.isoformat(), "settled": settled, "rejected": refused}
    finally:
        await app.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cotisations.bank")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the debit day now")
    run.add_argument("--date", type=date.fromisoformat, default=None)
    returns = sub.add_parser("returns", help="the bank's return file of a debit day")
    returns.add_argument("--date", type=date.fromisoformat, required=True)
    returns.add_argument("--reject", action="append", default=[], metavar="E2E_ID:CODE")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(asyncio.run(_main(args))) + "\n")


if __name__ == "__main__":
    main()
