"""The accounts repository."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import accounts, incomes
from cotisations.domain.account import ContributionAccount


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
            )
        )
