"""SEPA mandates and the debit days' files, in cotisations' database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from servicekit.db import as_utc
from sqlalchemy import ColumnElement, and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import debit_files, direct_debit_mandates
from cotisations.domain.payments.direct_debit import BankAccount, Mandate, MandateChange
from cotisations.domain.payments.refusals import ConcurrentRequest
from cotisations.service_layer.ports import DebitFile


def _mandate(row: Any) -> Mandate:
    return Mandate(
        rum=row.rum,
        affiliate_id=row.affiliate_id,
        account=BankAccount(row.holder, row.iban, row.bic),
        signed_on=row.signed_on,
        creditor_id=row.creditor_id,
        effective_from=row.effective_from,
        sequence=row.sequence,
        ends_on=row.ends_on,
    )


def in_force(day: date) -> ColumnElement[bool]:
    """The mandates in force on ``day``: from their first due date, before their end."""
    t = direct_debit_mandates
    return and_(t.c.effective_from <= day, or_(t.c.ends_on.is_(None), t.c.ends_on > day))


def debited_on(affiliate_id: ColumnElement[str], day: date) -> ColumnElement[bool]:
    """The row's account has a mandate in force on ``day``."""
    t = direct_debit_mandates
    return exists().where(t.c.affiliate_id == affiliate_id, in_force(day))


class SqlAlchemyMandateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_account(self, affiliate_id: str) -> list[Mandate]:
        t = direct_debit_mandates
        rows = await self._session.execute(
            select(t).where(t.c.affiliate_id == affiliate_id).order_by(t.c.sequence)
        )
        return [_mandate(r) for r in rows.all()]

    async def in_force_on(self, day: date) -> list[Mandate]:
        t = direct_debit_mandates
        rows = await self._session.execute(select(t).where(in_force(day)))
        return [_mandate(r) for r in rows.all()]

    async def save(self, change: MandateChange) -> None:
        t = direct_debit_mandates
        if change.ended is not None:
            await self._session.execute(
                update(t).where(t.c.rum == change.ended.rum).values(ends_on=change.ended.ends_on)
            )
        if change.started is not None:
            m = change.started
            await self._session.execute(
                insert(t).values(
                    rum=m.rum,
                    affiliate_id=m.affiliate_id,
                    holder=m.account.holder,
                    iban=m.account.iban,
                    bic=m.account.bic,
                    signed_on=m.signed_on,
                    creditor_id=m.creditor_id,
                    effective_from=m.effective_from,
                    ends_on=m.ends_on,
                    sequence=m.sequence,
                )
            )


def _file(row: Any) -> DebitFile:
    return DebitFile(
        debit_date=row.debit_date,
        message_id=row.message_id,
        file_name=row.file_name,
        transactions=row.transactions,
        total=Decimal(row.total),
        content=bytes(row.content),
        created_at=as_utc(row.created_at),
        delivered_at=as_utc(row.delivered_at) if row.delivered_at else None,
    )


class SqlAlchemyDebitFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, debit_date: date) -> DebitFile | None:
        row = (
            await self._session.execute(
                select(debit_files).where(debit_files.c.debit_date == debit_date)
            )
        ).first()
        return None if row is None else _file(row)

    async def add(self, debit_file: DebitFile) -> None:
        try:
            await self._insert(debit_file)
        except IntegrityError as exc:  # another run took the day first
            raise ConcurrentRequest from exc

    async def _insert(self, debit_file: DebitFile) -> None:
        await self._session.execute(
            insert(debit_files).values(
                debit_date=debit_file.debit_date,
                message_id=debit_file.message_id,
                file_name=debit_file.file_name,
                transactions=debit_file.transactions,
                total=debit_file.total,
                content=debit_file.content,
                created_at=debit_file.created_at,
                delivered_at=debit_file.delivered_at,
            )
        )

    async def last_day(self) -> date | None:
        last: date | None = (
            await self._session.execute(select(func.max(debit_files.c.debit_date)))
        ).scalar()
        return last

    async def undelivered(self) -> list[DebitFile]:
        rows = await self._session.execute(
            select(debit_files)
            .where(debit_files.c.delivered_at.is_(None))
            .order_by(debit_files.c.debit_date)
        )
        return [_file(r) for r in rows.all()]

    async def mark_delivered(self, debit_date: date, at: datetime) -> None:
        await self._session.execute(
            update(debit_files)
            .where(debit_files.c.debit_date == debit_date)
            .values(delivered_at=at)
        )
