"""The mandates and their history (SQLAlchemy Core on SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from servicekit.db import as_utc
from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mandates.adapters import orm
from mandates.adapters.sql import chunks
from mandates.domain import errors
from mandates.domain.model import OPEN_STATES, HistoryEntry, Mandate
from mandates.service_layer.ports import ClientQuery, Page

_SORTS = {
    "name": orm.mandates.c.client_name,
    "siren": orm.mandates.c.siren,
    "added": orm.mandates.c.created_at,
    "state": orm.mandates.c.state,
}


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
        version=row.version,
    )


_SAVED_COLUMNS = (
    "cabinet_id",
    "affiliate_id",
    "siren",
    "client_name",
    "portfolio_id",
    "state",
    "key_hash",
    "key_event_id",
    "issued_at",
    "created_at",
    "failed_attempts",
    "letter_status",
    "activated_at",
    "ended_at",
    "ended_by",
    "version",
)
"""The columns a mandate is written with (its attributes of the same names)."""


def _values(m: Mandate) -> dict[str, Any]:
    return {name: getattr(m, name) for name in _SAVED_COLUMNS}


_BOUND = tuple((f"b_{name}", name) for name in _SAVED_COLUMNS)
"""Each saved column's parameter name in :data:`_SAVE`, beside it."""


def _save_statement() -> Any:
    """``UPDATE mandates SET … WHERE id = :b_id AND version = :b_read``, built once: the
    saved columns each bound as ``b_<column>``."""
    columns = orm.mandates.c
    return (
        update(orm.mandates)
        .where(columns.id == bindparam("b_id"), columns.version == bindparam("b_read"))
        .values({name: bindparam(bound) for bound, name in _BOUND})
    )


_SAVE = _save_statement()


class SqlAlchemyMandateRepository:
    """Mandates with optimistic concurrency: a save applies only to the version read
    (``UPDATE … WHERE id = :id AND version = :read``); the aggregate counts its changes."""

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
        for chunk in chunks(event_ids):
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
            .where(orm.mandates.c.affiliate_id == affiliate_id)
            .order_by(orm.mandates.c.created_at.desc(), orm.mandates.c.id)
        )
        return [_mandate(row) for row in rows]

    async def add(self, mandate: Mandate) -> None:
        await self.add_many([mandate])

    async def add_many(self, mandates: Sequence[Mandate]) -> None:
        if not mandates:
            return
        await self._execute(insert(orm.mandates), [{"id": m.id, **_values(m)} for m in mandates])
        for m in mandates:
            self._versions[m.id] = m.version
        await self._write_history(mandates)

    async def _execute(
        self, statement: Any, rows: list[dict[str, Any]] | dict[str, Any] | None = None
    ) -> Any:
        """A write; a uniqueness rule broken by a concurrent request (one open mandate per
        firm and affilié, one active per affilié) is a :class:`errors.ClientWriteConflict`."""
        try:
            return await self._session.execute(statement, rows)
        except IntegrityError as exc:
            raise errors.ClientWriteConflict from exc

    async def portfolios_of(self, cabinet_id: str, mandate_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(mandate_ids):
            rows = await self._session.execute(
                select(orm.mandates.c.portfolio_id)
                .where(orm.mandates.c.cabinet_id == cabinet_id, orm.mandates.c.id.in_(chunk))
                .distinct()
            )
            found.update(rows.scalars())
        return found

    async def followed_among(self, cabinet_id: str, affiliate_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(affiliate_ids):
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
        """Each mandate only over the version read (else :class:`errors.MandateVersionConflict`);
        the new history entries of all of them in one statement."""
        for mandate in mandates:
            read = self._versions[mandate.id]
            params = {bound: getattr(mandate, name) for bound, name in _BOUND}
            params.update(b_id=mandate.id, b_read=read)
            result = await self._execute(_SAVE, params)
            if result.rowcount != 1:
                raise errors.MandateVersionConflict(mandate.id)
            self._versions[mandate.id] = mandate.version
        await self._write_history(mandates)

    async def _write_history(self, mandates: Sequence[Mandate]) -> None:
        """The new history entries of ``mandates``, in one statement."""
        history = [
            {
                "mandate_id": m.id,
                "at": h.at,
                "transition": h.transition,
                "detail": h.detail,
                "actor": h.by,
            }
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
        return [HistoryEntry(as_utc(r.at), r.transition, r.detail, r.actor) for r in rows]

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
