"""The spreadsheet imports' reports (SQLAlchemy Core on SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mandates.adapters import orm


class SqlAlchemyImportRepository:
    """Each import's report, kept under its id (idempotence of the import)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, cabinet_id: str, import_id: str) -> str | None:
        row = (
            await self._session.execute(
                select(orm.imports.c.report).where(
                    and_(
                        orm.imports.c.cabinet_id == cabinet_id, orm.imports.c.import_id == import_id
                    )
                )
            )
        ).first()
        return row.report if row else None

    async def add(self, cabinet_id: str, import_id: str, report: str, at: datetime) -> None:
        await self._session.execute(
            insert(orm.imports).values(
                cabinet_id=cabinet_id, import_id=import_id, report=report, created_at=at
            )
        )
