"""The accounts repository."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import accounts, incomes, instalments
from cotisations.domain.account import ContributionAccount
from cotisations.domain.schedule import Instalment


class SqlAlchemyAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, affiliate_id: str) -> ContributionAccount | None:
        row = (
            await self._session.execute(
                select(accounts).where(accounts.c.affiliate_id == affiliate_id)
            )
        ).first()
        if row is None:
            return None
        known = (
            await self._session.execute(
                select(incomes.c.year, incomes.c.amount).where(
                    incomes.c.affiliate_id == affiliate_id
                )
            )
        ).all()
        rows = (
            await self._session.execute(
                select(instalments)
                .where(instalments.c.affiliate_id == affiliate_id)
                .order_by(instalments.c.due_date)
            )
        ).all()
        schedules: dict[int, list[Instalment]] = {}
        for r in rows:
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
            incomes={y: Decimal(a) for y, a in known},
            last_estimate_on=row.last_estimate_on,
            schedules=schedules,
            holder_name=row.holder_name,
        )

    async def add(self, account: ContributionAccount) -> None:
        await self._session.execute(
            insert(accounts).values(
                affiliate_id=account.affiliate_id,
                category=account.category,
                departement=account.departement,
                opened_on=account.opened_on,
                closed_on=account.closed_on,
                periodicity=account.periodicity,
                debit_day=account.debit_day,
                payment_mode=account.payment_mode,
                last_estimate_on=account.last_estimate_on,
                holder_name=account.holder_name,
            )
        )

    async def save_estimate(self, account: ContributionAccount, year: int) -> None:
        """The year's income (an estimate) and its revised instalments."""
        await self.save(account)
        await self._session.execute(
            delete(incomes).where(
                incomes.c.affiliate_id == account.affiliate_id, incomes.c.year == year
            )
        )
        await self._session.execute(
            insert(incomes).values(
                affiliate_id=account.affiliate_id,
                year=year,
                amount=account.incomes[year],
                kind="estimate",
            )
        )
        await self._session.execute(
            delete(instalments).where(
                instalments.c.affiliate_id == account.affiliate_id, instalments.c.year == year
            )
        )
        for i in account.schedules[year]:
            await self._session.execute(
                insert(instalments).values(
                    affiliate_id=account.affiliate_id,
                    year=year,
                    due_date=i.due_date,
                    amount=i.amount,
                )
            )

    async def save(self, account: ContributionAccount) -> None:
        await self._session.execute(
            update(accounts)
            .where(accounts.c.affiliate_id == account.affiliate_id)
            .values(
                category=account.category,
                departement=account.departement,
                closed_on=account.closed_on,
                periodicity=account.periodicity,
                debit_day=account.debit_day,
                payment_mode=account.payment_mode,
                last_estimate_on=account.last_estimate_on,
                holder_name=account.holder_name,
            )
        )
