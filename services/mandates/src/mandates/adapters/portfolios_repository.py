"""Portfolios and their subscribers (SQLAlchemy Core on SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from servicekit.db import as_utc
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandates.adapters import orm
from mandates.domain import errors
from mandates.domain.portfolios import Portfolio


class SqlAlchemyPortfolioRepository:
    """Portfolios with optimistic concurrency: a save or a removal applies only to the
    version read; a save writes the subscribers added and removed since the read."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._read: dict[str, tuple[int, frozenset[str]]] = {}

    async def _load(self, *where: Any) -> list[Portfolio]:
        p, s = orm.portfolios, orm.subscriptions
        rows = (
            await self._session.execute(select(p).where(*where).order_by(p.c.created_at, p.c.id))
        ).all()
        subscribers: dict[str, set[str]] = {row.id: set() for row in rows}
        if rows:
            found = await self._session.execute(
                select(s.c.portfolio_id, s.c.account_id).where(
                    s.c.portfolio_id.in_(list(subscribers))
                )
            )
            for portfolio_id, account_id in found:
                subscribers[portfolio_id].add(account_id)
        portfolios = [
            Portfolio(
                row.id,
                row.cabinet_id,
                row.name,
                row.owner_account_id,
                row.is_default,
                as_utc(row.created_at),
                version=row.version,
                subscribers=subscribers[row.id],
            )
            for row in rows
        ]
        for portfolio in portfolios:
            self._remember(portfolio)
        return portfolios

    def _remember(self, p: Portfolio) -> None:
        self._read[p.id] = (p.version, frozenset(p.subscribers))

    async def get(self, cabinet_id: str, portfolio_id: str) -> Portfolio | None:
        found = await self._load(
            orm.portfolios.c.id == portfolio_id, orm.portfolios.c.cabinet_id == cabinet_id
        )
        return found[0] if found else None

    async def default_of(self, cabinet_id: str) -> Portfolio | None:
        found = await self._load(
            orm.portfolios.c.cabinet_id == cabinet_id, orm.portfolios.c.is_default
        )
        return found[0] if found else None

    async def of_cabinet(self, cabinet_id: str) -> list[Portfolio]:
        return await self._load(orm.portfolios.c.cabinet_id == cabinet_id)

    async def add(self, p: Portfolio) -> None:
        await self._session.execute(
            insert(orm.portfolios).values(
                id=p.id,
                cabinet_id=p.cabinet_id,
                name=p.name,
                owner_account_id=p.owner_account_id,
                is_default=p.is_default,
                created_at=p.created_at,
                version=p.version,
            )
        )
        await self._subscribe(p.id, p.subscribers)
        self._remember(p)

    async def save(self, p: Portfolio) -> None:
        read, subscribers = self._read[p.id]
        result: Any = await self._session.execute(
            update(orm.portfolios)
            .where(orm.portfolios.c.id == p.id, orm.portfolios.c.version == read)
            .values(name=p.name, owner_account_id=p.owner_account_id, version=p.version)
        )
        if result.rowcount != 1:
            raise errors.PortfolioVersionConflict(p.id)
        gone = subscribers - p.subscribers
        if gone:
            s = orm.subscriptions
            await self._session.execute(
                delete(s).where(s.c.portfolio_id == p.id, s.c.account_id.in_(sorted(gone)))
            )
        await self._subscribe(p.id, p.subscribers - subscribers)
        self._remember(p)

    async def _subscribe(self, portfolio_id: str, account_ids: set[str]) -> None:
        if account_ids:
            await self._session.execute(
                insert(orm.subscriptions),
                [{"portfolio_id": portfolio_id, "account_id": a} for a in sorted(account_ids)],
            )

    async def remove(self, p: Portfolio) -> None:
        read, _ = self._read[p.id]
        result: Any = await self._session.execute(
            delete(orm.portfolios).where(
                orm.portfolios.c.id == p.id, orm.portfolios.c.version == read
            )
        )
        if result.rowcount != 1:
            raise errors.PortfolioVersionConflict(p.id)
        await self._session.execute(
            delete(orm.subscriptions).where(orm.subscriptions.c.portfolio_id == p.id)
        )
        del self._read[p.id]

    async def subscribers(self, portfolio_id: str) -> list[str]:
        rows = await self._session.execute(
            select(orm.subscriptions.c.account_id).where(
                orm.subscriptions.c.portfolio_id == portfolio_id
            )
        )
        return sorted(r.account_id for r in rows)

    async def subscribed_by(self, account_id: str) -> list[str]:
        rows = await self._session.execute(
            select(orm.subscriptions.c.portfolio_id).where(
                orm.subscriptions.c.account_id == account_id
            )
        )
        return [r.portfolio_id for r in rows]
