"""The debit day reads its accounts as ranges of ids: the accounts of the range with a mandate in
force on the day, whole (incomes included), as read one by one; the others of the range (no
mandate, one ended, one not yet in force) and those outside it are not read. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest
from cotisations.adapters import orm
from cotisations_api import Api, running_api
from cotisations_samples import affiliate
from sqlalchemy import insert

DAY = date(2026, 5, 5)
MANDATES = {  # the account, from, until
    "aff-a": (date(2026, 4, 7), None),
    "aff-b": (date(2026, 1, 5), DAY),  # ended: the day is its first without debit
    "aff-c": (date(2026, 6, 5), None),  # not yet
    "aff-e": (date(2026, 4, 7), date(2026, 6, 5)),
    "aff-f": (date(2026, 4, 7), None),  # outside the range read
}


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    registry = [affiliate(f"aff-{x}", "artisan") for x in "abcdef"]
    async with running_api(database_url, *registry) as built:
        async with built.app.engine.begin() as conn:
            await conn.execute(
                insert(orm.incomes),
                [{"affiliate_id": "aff-e", "year": 2026, "amount": Decimal("41234.56"),
                  "kind": "estimate"}],
            )  # fmt: skip
            await conn.execute(
                insert(orm.direct_debit_mandates),
                [
                    {"rum": f"RUM-{i}", "affiliate_id": i, "holder": "Jean Dupont",
                     "iban": "FR7630006000011234567890189", "bic": "AGRIFRPPXXX",
                     "signed_on": date(2026, 3, 1), "creditor_id": "FR72ZZZ123456",
                     "effective_from": start, "ends_on": end, "sequence": 1}
                    for i, (start, end) in MANDATES.items()
                ],
            )  # fmt: skip
        yield built


async def test_a_range_reads_the_accounts_debited_that_day_whole(api: Api) -> None:
    async with api.app.new_uow(read_only=True) as uow:
        read = await uow.accounts.debited_between("aff-a", "aff-e", DAY)
        one_by_one = await uow.accounts.get_many(["aff-a", "aff-e"])
    assert sorted(read) == ["aff-a", "aff-e"]  # aff-d has no mandate; aff-f is after the range
    assert read == one_by_one
    assert read["aff-e"].incomes == {2026: Decimal("41234.56")}
