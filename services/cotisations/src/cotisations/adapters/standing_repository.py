"""The last standing published for each account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import accounts, published_standings

_CHUNK = 900


class SqlAlchemyPublishedStandings:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, str]:
        t = published_standings
        found: dict[str, str] = {}
        for start in range(0, len(affiliate_ids), _CHUNK):
            chunk = list(affiliate_ids[start : start + _CHUNK])
            rows = await self._session.execute(
                select(t.c.affiliate_id, t.c.facts).where(t.c.affiliate_id.in_(chunk))
            )
            found.update({r.affiliate_id: r.facts for r in rows.all()})
        return found

    async def unpublished_after(self, after: str | None, limit: int) -> list[str]:
        """The accounts no standing was published for yet (opened since the last sweep), in
        order from the one after ``after``."""
        t = published_standings
        query = (
            select(accounts.c.affiliate_id)
            .outerjoin(t, t.c.affiliate_id == accounts.c.affiliate_id)
            .where(t.c.affiliate_id.is_(None))
            .order_by(accounts.c.affiliate_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(accounts.c.affiliate_id > after)
        return list((await self._session.execute(query)).scalars())

    async def put_many(self, facts: Mapping[str, str]) -> None:
        """Each account's facts as now published (replacing what was)."""
        t = published_standings
        ids = list(facts)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            await self._session.execute(delete(t).where(t.c.affiliate_id.in_(chunk)))
            await self._session.execute(
                insert(t), [{"affiliate_id": i, "facts": facts[i]} for i in chunk]
            )
