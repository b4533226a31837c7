"""The accounts repository: an account and what hangs from it, read and written whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import accounts, declarations, incomes, instalments, regularisations
from cotisations.adapters.payments_repository import debited_on
from cotisations.domain.account import ContributionAccount
from cotisations.domain.declarations import PeriodDeclaration
from cotisations.domain.regularisation import Regularisation
from cotisations.domain.schedule import Instalment

_PARTS = (incomes, instalments, regularisations, declarations)
_CHUNK = 900
"""Ids per ``IN (…)``: under SQLite's limit of bound parameters."""
_BY_IDS = {
    table: select(table).where(table.c.affiliate_id.in_(bindparam("ids", expanding=True)))
    for table in (accounts, *_PARTS)
}
"""The rows of some accounts: one statement per table, its ids bound when it runs (not
coerced one by one into a new statement each time)."""


class SqlAlchemyAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _rows(self, table: Table, affiliate_id: str) -> list[Any]:
        query = select(table).where(table.c.affiliate_id == affiliate_id)
        return list((await self._session.execute(query)).all())

    async def get(self, affiliate_id: str) -> ContributionAccount | None:
        row = (
            await self._session.execute(
                select(accounts).where(accounts.c.affiliate_id == affiliate_id)
            )
        ).first()
        if row is None:
            return None
        parts = {table: await self._rows(table, affiliate_id) for table in _PARTS}
        return _account_of(row, parts)

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, ContributionAccount]:
        """Several accounts, a few statements per thousand."""
        found: dict[str, ContributionAccount] = {}
        for start in range(0, len(affiliate_ids), _CHUNK):
            chunk = list(affiliate_ids[start : start + _CHUNK])
            ids = {"ids": chunk}
            rows = (await self._session.execute(_BY_IDS[accounts], ids)).all()
            parts: dict[Table, dict[str, list[Any]]] = {}
            for table in _PARTS:
                by_id: dict[str, list[Any]] = {}
                for r in (await self._session.execute(_BY_IDS[table], ids)).all():
                    by_id.setdefault(r.affiliate_id, []).append(r)
                parts[table] = by_id
            for row in rows:
                found[row.affiliate_id] = _account_of(
                    row, {t: parts[t].get(row.affiliate_id, []) for t in _PARTS}
                )
        return found

    async def debited_between(
        self, first: str, last: str, day: date
    ) -> dict[str, ContributionAccount]:
        """The accounts from ``first`` to ``last`` with a mandate in force on ``day``: a range
        of the primary key, each row checked against the mandates' index."""
        parts: dict[Table, dict[str, list[Any]]] = {}
        for table in _PARTS:
            by_id: dict[str, list[Any]] = {}
            for r in (await self._session.execute(_debited(table, first, last, day))).all():
                by_id.setdefault(r.affiliate_id, []).append(r)
            parts[table] = by_id
        rows = (await self._session.execute(_debited(accounts, first, last, day))).all()
        return {
            row.affiliate_id: _account_of(
                row, {t: parts[t].get(row.affiliate_id, []) for t in _PARTS}
            )
            for row in rows
        }

    async def ids_after(self, after: str | None, limit: int) -> list[str]:
        """The accounts' ids in order, from the one after ``after`` (a sweep's pages)."""
        query = select(accounts.c.affiliate_id).order_by(accounts.c.affiliate_id).limit(limit)
        if after is not None:
            query = query.where(accounts.c.affiliate_id > after)
        return list((await self._session.execute(query)).scalars())

    async def add(self, account: ContributionAccount) -> None:
        await self._session.execute(insert(accounts).values(**_account_values(account)))
        await self._write_parts(account)

    async def save(self, account: ContributionAccount) -> None:
        """The account's row, and its incomes, instalments, regularisations and declarations
        as they now are (a handful of rows: rewritten whole)."""
        values = _account_values(account)
        del values["affiliate_id"]
        await self._session.execute(
            update(accounts).where(accounts.c.affiliate_id == account.affiliate_id).values(values)
        )
        for table in _PARTS:
            await self._session.execute(
                delete(table).where(table.c.affiliate_id == account.affiliate_id)
            )
        await self._write_parts(account)

    async def _write_parts(self, account: ContributionAccount) -> None:
        key = {"affiliate_id": account.affiliate_id}
        rows: dict[Table, list[dict[str, Any]]] = {
            incomes: [
                {
                    **key,
                    "year": year,
                    "amount": amount,
                    "kind": "definitive" if year in account.definitive_years else "estimate",
                }
                for year, amount in account.incomes.items()
            ],
            instalments: [
                {**key, "year": year, "due_date": i.due_date, "amount": i.amount}
                for year, schedule in account.schedules.items()
                for i in schedule
            ],
            regularisations: [
                {
                    **key,
                    "year": r.year,
                    "declared_on": r.declared_on,
                    "income": r.income,
                    "definitive_total": r.definitive_total,
                    "called_total": r.called_total,
                    "outcome": r.outcome,
                    "due_date": r.due_date,
                }
                for r in account.regularisations
            ],
            declarations: [
                {
                    **key,
                    "period": d.period,
                    "turnover": d.turnover,
                    "lines": {name: f"{amount:.2f}" for name, amount in d.lines.items()},
                    "due_date": d.due_date,
                    "declared_on": d.declared_on,
                }
                for d in account.declarations
            ],
        }
        for table, values in rows.items():
            if values:
                await self._session.execute(insert(table), values)


def _debited(table: Table, first: str, last: str, day: date) -> Select[Any]:
    key = table.c.affiliate_id
    return select(table).where(key.between(first, last), debited_on(key, day))


def _account_of(row: Any, parts: dict[Table, list[Any]]) -> ContributionAccount:
    known = parts[incomes]
    schedules: dict[int, list[Instalment]] = {}
    for r in sorted(parts[instalments], key=lambda r: r.due_date):
        schedules.setdefault(r.year, []).append(Instalment(r.due_date, Decimal(r.amount)))
    return ContributionAccount(
        affiliate_id=row.affiliate_id,
        category=row.category,
        departement=row.departement,
        opened_on=row.opened_on,
        periodicity=row.periodicity,
        debit_day=row.debit_day,
        payment_mode=row.payment_mode,
        closed_on=row.closed_on,
        incomes={r.year: Decimal(r.amount) for r in known},
        definitive_years={r.year for r in known if r.kind == "definitive"},
        last_estimate_on=row.last_estimate_on,
        debit_day_changed_on=row.debit_day_changed_on,
        ledger_from=row.ledger_from,
        schedules=schedules,
        holder_name=row.holder_name,
        regularisations=[
            Regularisation(
                r.year,
                r.declared_on,
                Decimal(r.income),
                Decimal(r.definitive_total),
                Decimal(r.called_total),
                r.outcome,
                r.due_date,
            )
            for r in sorted(parts[regularisations], key=lambda r: r.year)
        ],
        declarations=[
            PeriodDeclaration(
                r.period,
                Decimal(r.turnover),
                {name: Decimal(amount) for name, amount in r.lines.items()},
                r.due_date,
                r.declared_on,
            )
            for r in sorted(parts[declarations], key=lambda r: r.period)
        ],
    )


def _account_values(account: ContributionAccount) -> dict[str, Any]:
    return {
        "affiliate_id": account.affiliate_id,
        "category": account.category,
        "departement": account.departement,
        "opened_on": account.opened_on,
        "closed_on": account.closed_on,
        "periodicity": account.periodicity,
        "debit_day": account.debit_day,
        "payment_mode": account.payment_mode,
        "last_estimate_on": account.last_estimate_on,
        "debit_day_changed_on": account.debit_day_changed_on,
        "ledger_from": account.ledger_from,
        "holder_name": account.holder_name,
    }
