"""The read models mandates keeps from other services' events: the registry's affiliates
(``identity.affiliate``), the firms and their users (``identity.cabinet``, ``identity.account``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mandates.adapters import orm
from mandates.adapters.sql import chunks
from mandates.domain.directory import Affiliate, FirmUser


class SqlAlchemyDirectory:
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
        for chunk in chunks(sirens):
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
