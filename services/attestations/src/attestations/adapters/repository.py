"""The certificates as issued: every field and the PDF bytes, never rewritten (a revocation
only sets ``revoked_at``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from attestations.adapters import orm
from attestations.domain.model import Attestation, Content
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

t = orm.attestations


def _aware(moment: datetime) -> datetime:
    """An instant as written (UTC): SQLite reads it back without its zone, PostgreSQL with."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _from_row(row: Any) -> Attestation:
    return Attestation(
        attestation_id=row.attestation_id,
        code=row.code,
        affiliate_id=row.affiliate_id,
        content=Content(
            kind=row.kind,
            title=row.title,
            holder=row.holder,
            siren=row.siren,
            period=row.period,
            statement=row.statement,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
        ),
        issued_at=_aware(row.issued_at),
        key_id=row.key_id,
        payload=row.payload,
        pdf=bytes(row.pdf),
        revoked_at=None if row.revoked_at is None else _aware(row.revoked_at),
    )


class SqlAlchemyAttestationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, a: Attestation) -> None:
        c = a.content
        await self._s.execute(
            t.insert().values(
                attestation_id=a.attestation_id,
                code=a.code,
                affiliate_id=a.affiliate_id,
                kind=c.kind,
                title=c.title,
                holder=c.holder,
                siren=c.siren,
                period=c.period,
                statement=c.statement,
                issued_on=c.issued_on,
                valid_until=c.valid_until,
                issued_at=a.issued_at,
                key_id=a.key_id,
                payload=a.payload,
                pdf=a.pdf,
            )
        )

    async def _one(self, where: Any) -> Attestation | None:
        row = (await self._s.execute(select(t).where(where))).first()
        return None if row is None else _from_row(row)

    async def get(self, attestation_id: str) -> Attestation | None:
        return await self._one(t.c.attestation_id == attestation_id)

    async def by_code(self, code: str) -> Attestation | None:
        return await self._one(t.c.code == code)

    async def code_taken(self, code: str) -> bool:
        row = (await self._s.execute(select(t.c.code).where(t.c.code == code))).first()
        return row is not None

    async def of_affiliate(
        self, affiliate_id: str, *, offset: int, limit: int
    ) -> list[Attestation]:
        """``limit`` of the affilié's certificates from ``offset``, newest first: by issue
        instant, then by id (two issued at the same instant keep their order across pages)."""
        rows = await self._s.execute(
            select(t)
            .where(t.c.affiliate_id == affiliate_id)
            .order_by(t.c.issued_at.desc(), t.c.attestation_id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_from_row(r) for r in rows]

    async def count_of_affiliate(self, affiliate_id: str) -> int:
        query = select(func.count()).select_from(t).where(t.c.affiliate_id == affiliate_id)
        return int((await self._s.execute(query)).scalar_one())

    async def save_revocation(self, a: Attestation) -> None:
        reason = next((getattr(e, "reason", None) for e in a.events if hasattr(e, "reason")), None)
        await self._s.execute(
            update(t)
            .where(t.c.attestation_id == a.attestation_id, t.c.revoked_at.is_(None))
            .values(revoked_at=a.revoked_at, revocation_reason=reason)
        )

    async def expiring(self, today: date, until: date) -> list[Attestation]:
        """The vigilance certificates valid on ``today`` and ending by ``until``, not revoked,
        not noticed yet, with no vigilance certificate of the same affilié valid longer."""
        newer = aliased(t)
        rows = await self._s.execute(
            select(t)
            .where(
                t.c.kind == "vigilance",
                t.c.revoked_at.is_(None),
                t.c.renewal_noticed_at.is_(None),
                t.c.valid_until >= today,
                t.c.valid_until <= until,
                ~exists().where(
                    and_(
                        newer.c.affiliate_id == t.c.affiliate_id,
                        newer.c.kind == "vigilance",
                        newer.c.revoked_at.is_(None),
                        newer.c.valid_until > t.c.valid_until,
                    )
                ),
            )
            .order_by(t.c.valid_until, t.c.attestation_id)
            .limit(500)
        )
        return [_from_row(r) for r in rows]

    async def mark_noticed(self, attestation_id: str, at: datetime) -> None:
        await self._s.execute(
            update(t).where(t.c.attestation_id == attestation_id).values(renewal_noticed_at=at)
        )
