"""SQL repositories of mandates (SQLAlchemy Core on SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from servicekit.db import as_utc
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandates.adapters import orm
from mandates.domain.model import (
    OPEN_STATES,
    Affiliate,
    FirmUser,
    HistoryEntry,
    Mandate,
    Portfolio,
)
from mandates.service_layer.ports import ClientQuery, ConcurrentChange, Page

_SORTS = {
    "name": orm.mandates.c.client_name,
    "siren": orm.mandates.c.siren,
    "added": orm.mandates.c.created_at,
    "state": orm.mandates.c.state,
}


def _chunks(values: Collection[str], size: int = 500) -> Iterator[list[str]]:
    """``IN`` lists of a size every backend takes."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _mandate(row: Any) -> Mandate:
    return Mandate(
        id=row.id,
        cabinet_id=row.cabinet_id,
        affiliate_id=row.affiliate_id,
        siren=row.siren,
        client_name=row.client_name,
        portfolio_id=row.portfolio_id,
        state=row.state,
        key_hash=row.key_hash,
        key_event_id=row.key_event_id,
        issued_at=as_utc(row.issued_at),
        created_at=as_utc(row.created_at),
        failed_attempts=row.failed_attempts,
        letter_status=row.letter_status,
        activated_at=as_utc(row.activated_at),
        ended_at=as_utc(row.ended_at),
        ended_by=row.ended_by,
    )


def _values(m: Mandate) -> dict[str, Any]:
    return {
        "cabinet_id": m.cabinet_id,
        "affiliate_id": m.affiliate_id,
        "siren": m.siren,
        "client_name": m.client_name,
        "portfolio_id": m.portfolio_id,
        "state": m.state,
        "key_hash": m.key_hash,
        "key_event_id": m.key_event_id,
        "issued_at": m.issued_at,
        "created_at": m.created_at,
        "failed_attempts": m.failed_attempts,
        "letter_status": m.letter_status,
        "activated_at": m.activated_at,
        "ended_at": m.ended_at,
        "ended_by": m.ended_by,
    }


class SqlMandates:
    """Mandates with optimistic concurrency: a save applies only to the version read."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._versions: dict[str, int] = {}

    async def _one(self, *where: Any) -> Mandate | None:
        row = (await self._session.execute(select(orm.mandates).where(*where))).first()
        if row is None:
            return None
        self._versions[row.id] = row.version
        return _mandate(row)

    async def get(self, mandate_id: str) -> Mandate | None:
        return await self._one(orm.mandates.c.id == mandate_id)

    async def open_for(self, cabinet_id: str, affiliate_id: str) -> Mandate | None:
        return await self._one(
            orm.mandates.c.cabinet_id == cabinet_id,
            orm.mandates.c.affiliate_id == affiliate_id,
            orm.mandates.c.state.in_(OPEN_STATES),
        )

    async def active_for(self, affiliate_id: str) -> Mandate | None:
        return await self._one(
            orm.mandates.c.affiliate_id == affiliate_id, orm.mandates.c.state == "active"
        )

    async def by_key_event(self, event_id: str) -> Mandate | None:
        return await self._one(orm.mandates.c.key_event_id == event_id)

    async def by_key_events(self, event_ids: Collection[str]) -> dict[str, Mandate]:
        found: dict[str, Mandate] = {}
        for chunk in _chunks(event_ids):
            rows = await self._session.execute(
                select(orm.mandates).where(orm.mandates.c.key_event_id.in_(chunk))
            )
            for row in rows:
                self._versions[row.id] = row.version
                found[row.key_event_id] = _mandate(row)
        return found

    async def open_for_affiliate(self, affiliate_id: str) -> list[Mandate]:
        rows = await self._session.execute(
            select(orm.mandates).where(
                orm.mandates.c.affiliate_id == affiliate_id,
                orm.mandates.c.state.in_(OPEN_STATES),
            )
        )
        found = []
        for row in rows:
            self._versions[row.id] = row.version
            found.append(_mandate(row))
        return found

    async def of_affiliate(self, affiliate_id: str) -> list[Mandate]:
        rows = await self._session.execute(
            select(orm.mandates)
            .where(
                orm.mandates.c.affiliate_id == affiliate_id,
                orm.mandates.c.state.in_(("active", "ended")),
            )
            .order_by(orm.mandates.c.created_at.desc())
        )
        return [_mandate(row) for row in rows]

    async def add(self, mandate: Mandate) -> None:
        await self.add_many([mandate])

    async def add_many(self, mandates: Sequence[Mandate]) -> None:
        if not mandates:
            return
        await self._session.execute(
            insert(orm.mandates), [{"id": m.id, "version": 1, **_values(m)} for m in mandates]
        )
        for m in mandates:
            self._versions[m.id] = 1
        await self._write_history(mandates)

    async def followed_among(self, cabinet_id: str, affiliate_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(affiliate_ids):
            rows = await self._session.execute(
                select(orm.mandates.c.affiliate_id).where(
                    orm.mandates.c.cabinet_id == cabinet_id,
                    orm.mandates.c.affiliate_id.in_(chunk),
                    orm.mandates.c.state.in_(OPEN_STATES),
                )
            )
            found.update(rows.scalars())
        return found

    async def save(self, mandate: Mandate) -> None:
        await self.save_all([mandate])

    async def save_all(self, mandates: Sequence[Mandate]) -> None:
        """Each mandate only over the version read (else :class:`ConcurrentChange`); the new
        history entries of all of them in one statement."""
        for mandate in mandates:
            version = self._versions[mandate.id]
            result = await self._session.execute(
                update(orm.mandates)
                .where(orm.mandates.c.id == mandate.id, orm.mandates.c.version == version)
                .values(version=version + 1, **_values(mandate))
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrentChange(mandate.id)
            self._versions[mandate.id] = version + 1
        await self._write_history(mandates)

    async def _write_history(self, mandates: Sequence[Mandate]) -> None:
        """The new history entries of ``mandates``, in one statement."""
        history = [
            {"mandate_id": m.id, "at": h.at, "transition": h.transition, "detail": h.detail}
            for m in mandates
            for h in m.history
        ]
        if history:
            await self._session.execute(insert(orm.mandate_history), history)
        for m in mandates:
            m.history.clear()

    async def history(self, mandate_id: str) -> list[HistoryEntry]:
        rows = await self._session.execute(
            select(orm.mandate_history)
            .where(orm.mandate_history.c.mandate_id == mandate_id)
            .order_by(orm.mandate_history.c.id)
        )
        return [HistoryEntry(as_utc(r.at), r.transition, r.detail) for r in rows]

    async def search(self, query: ClientQuery) -> Page[Mandate]:
        c = orm.mandates.c
        where: list[Any] = [c.cabinet_id == query.cabinet_id]
        if query.states:
            where.append(c.state.in_(query.states))
        else:
            where.append(c.state.in_(OPEN_STATES))
        if query.portfolio_ids is not None:
            where.append(c.portfolio_id.in_(query.portfolio_ids))
        if query.text:
            like = f"%{query.text.lower()}%"
            where.append(or_(func.lower(c.client_name).like(like), c.siren.like(like)))
        total = (
            await self._session.execute(
                select(func.count()).select_from(orm.mandates).where(*where)
            )
        ).scalar_one()
        column = _SORTS[query.sort.lstrip("-")]
        order = column.desc() if query.sort.startswith("-") else column.asc()
        rows = await self._session.execute(
            select(orm.mandates)
            .where(*where)
            .order_by(order, c.id)
            .offset((query.page - 1) * query.size)
            .limit(query.size)
        )
        return Page([_mandate(r) for r in rows], int(total), query.page, query.size)

    async def count_in_portfolio(self, portfolio_id: str) -> int:
        query = select(func.count()).where(
            orm.mandates.c.portfolio_id == portfolio_id, orm.mandates.c.state.in_(OPEN_STATES)
        )
        return int((await self._session.execute(query)).scalar_one())


def _portfolio(row: Any) -> Portfolio:
    return Portfolio(
        row.id,
        row.cabinet_id,
        row.name,
        row.owner_account_id,
        row.is_default,
        as_utc(row.created_at),
    )


class SqlPortfolios:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, cabinet_id: str, portfolio_id: str) -> Portfolio | None:
        row = (
            await self._session.execute(
                select(orm.portfolios).where(
                    orm.portfolios.c.id == portfolio_id, orm.portfolios.c.cabinet_id == cabinet_id
                )
            )
        ).first()
        return _portfolio(row) if row else None

    async def default_of(self, cabinet_id: str) -> Portfolio | None:
        row = (
            await self._session.execute(
                select(orm.portfolios).where(
                    orm.portfolios.c.cabinet_id == cabinet_id, orm.portfolios.c.is_default
                )
            )
        ).first()
        return _portfolio(row) if row else None

    async def of_cabinet(self, cabinet_id: str) -> list[Portfolio]:
        rows = await self._session.execute(
            select(orm.portfolios)
            .where(orm.portfolios.c.cabinet_id == cabinet_id)
            .order_by(orm.portfolios.c.created_at, orm.portfolios.c.id)
        )
        return [_portfolio(r) for r in rows]

    async def add(self, p: Portfolio) -> None:
        await self._session.execute(
            insert(orm.portfolios).values(
                id=p.id,
                cabinet_id=p.cabinet_id,
                name=p.name,
                owner_account_id=p.owner_account_id,
                is_default=p.is_default,
                created_at=p.created_at,
            )
        )

    async def save(self, p: Portfolio) -> None:
        await self._session.execute(
            update(orm.portfolios)
            .where(orm.portfolios.c.id == p.id)
            .values(name=p.name, owner_account_id=p.owner_account_id)
        )

    async def remove(self, portfolio_id: str) -> None:
        await self._session.execute(
            delete(orm.subscriptions).where(orm.subscriptions.c.portfolio_id == portfolio_id)
        )
        await self._session.execute(
            delete(orm.portfolios).where(orm.portfolios.c.id == portfolio_id)
        )

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

    async def subscribe(self, portfolio_id: str, account_id: str) -> bool:
        exists = (
            await self._session.execute(
                select(orm.subscriptions).where(
                    orm.subscriptions.c.portfolio_id == portfolio_id,
                    orm.subscriptions.c.account_id == account_id,
                )
            )
        ).first()
        if exists:
            return False
        await self._session.execute(
            insert(orm.subscriptions).values(portfolio_id=portfolio_id, account_id=account_id)
        )
        return True

    async def unsubscribe(self, portfolio_id: str, account_id: str) -> bool:
        result = await self._session.execute(
            delete(orm.subscriptions).where(
                orm.subscriptions.c.portfolio_id == portfolio_id,
                orm.subscriptions.c.account_id == account_id,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlDirectory:
    """The read models: the registry's affiliates, the firms and their users."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def affiliate_by_siren(self, siren: str) -> Affiliate | None:
        row = (
            await self._session.execute(
                select(orm.affiliates)
                .where(orm.affiliates.c.siren == siren)
                .order_by(orm.affiliates.c.radiated)
            )
        ).first()
        if row is None:
            return None
        return Affiliate(row.affiliate_id, row.siren, row.display_name, row.radiated, row.consent)

    async def affiliates_by_siren(self, sirens: Collection[str]) -> dict[str, Affiliate]:
        found: dict[str, Affiliate] = {}
        for chunk in _chunks(sirens):
            rows = await self._session.execute(
                select(orm.affiliates)
                .where(orm.affiliates.c.siren.in_(chunk))
                .order_by(orm.affiliates.c.radiated.desc())
            )
            for row in rows:  # a live entry, read last, wins over a radiated one
                found[row.siren] = Affiliate(
                    row.affiliate_id, row.siren, row.display_name, row.radiated, row.consent
                )
        return found

    async def put_affiliate(self, a: Affiliate) -> None:
        values = {
            "siren": a.siren,
            "display_name": a.display_name,
            "radiated": a.radiated,
            "consent": a.consent,
        }
        result = await self._session.execute(
            update(orm.affiliates)
            .where(orm.affiliates.c.affiliate_id == a.affiliate_id)
            .values(**values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            await self._session.execute(
                insert(orm.affiliates).values(affiliate_id=a.affiliate_id, **values)
            )

    async def cabinet_name(self, cabinet_id: str) -> str | None:
        row = (
            await self._session.execute(
                select(orm.cabinets.c.name).where(orm.cabinets.c.cabinet_id == cabinet_id)
            )
        ).first()
        return row.name if row else None

    async def put_cabinet(self, cabinet_id: str, name: str) -> bool:
        """``True`` when the firm was not known before."""
        result = await self._session.execute(
            update(orm.cabinets).where(orm.cabinets.c.cabinet_id == cabinet_id).values(name=name)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return False
        await self._session.execute(insert(orm.cabinets).values(cabinet_id=cabinet_id, name=name))
        return True

    async def user(self, account_id: str) -> FirmUser | None:
        row = (
            await self._session.execute(
                select(orm.firm_users).where(orm.firm_users.c.account_id == account_id)
            )
        ).first()
        if row is None:
            return None
        return FirmUser(
            row.account_id, row.cabinet_id or "", row.name, row.email, row.is_admin, row.active
        )

    async def users_of(self, cabinet_id: str) -> list[FirmUser]:
        rows = await self._session.execute(
            select(orm.firm_users)
            .where(orm.firm_users.c.cabinet_id == cabinet_id)
            .order_by(orm.firm_users.c.account_id)
        )
        return [
            FirmUser(r.account_id, r.cabinet_id, r.name, r.email, r.is_admin, r.active)
            for r in rows
        ]

    async def patch_user(self, account_id: str, **values: Any) -> None:
        """Set the given fields of a firm user, creating the row when absent (events about
        one account come on two topics, in any order)."""
        result = await self._session.execute(
            update(orm.firm_users).where(orm.firm_users.c.account_id == account_id).values(**values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            await self._session.execute(
                insert(orm.firm_users).values(account_id=account_id, **values)
            )


class SqlImports:
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

    async def add(self, cabinet_id: str, import_id: str, report: str, at: Any) -> None:
        await self._session.execute(
            insert(orm.imports).values(
                cabinet_id=cabinet_id, import_id=import_id, report=report, created_at=at
            )
        )
