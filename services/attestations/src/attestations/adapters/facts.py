"""The read models in SQL: written by the consumers, read by the use cases.

Each write keeps the newest state only: an affilié's record by the event's time, the standing
by its ``as_of`` then the event's time, a payment by the strength of its status (a rejection
or a settlement is never undone by a late "recorded"), a plan by the event's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from attestations.adapters import orm
from attestations.domain.model import (
    AffiliateRecord,
    PaidInYear,
    PensionOutcome,
    PensionPayment,
    PensionsInYear,
)
from attestations.domain.vigilance import PlanState, Standing
from contracts.identity import v1 as identity_v1
from servicekit.db import as_utc
from servicekit.inbox import insert_ignoring_conflicts
from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

_STATUS_RANK = {"pending": 0, "posted": 1, "settled": 2, "rejected": 3}


class SqlAlchemyFacts:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    async def _upsert_newer(
        self, table: Table, key: dict[str, Any], values: dict[str, Any], newer: Any
    ) -> None:
        """Insert the row, or update it where ``newer`` (a condition on the stored row)."""
        inserted = await self._s.execute(
            insert_ignoring_conflicts(self._dialect(), table).values(**key, **values)
        )
        if inserted.rowcount:  # type: ignore[attr-defined]
            return
        where = and_(*(table.c[k] == v for k, v in key.items()), newer)
        await self._s.execute(update(table).where(where).values(**values))

    # -- writes ----------------------------------------------------------------------------
    async def put_affiliate(self, state: identity_v1.AffiliateStateV1, at: datetime) -> None:
        t = orm.affiliates
        await self._upsert_newer(
            t,
            {"affiliate_id": state.affiliate_id},
            {
                "category": state.category,
                "holder": state.display_name,
                "siren": state.siren,
                "affiliated_on": state.affiliated_on,
                "radiated_on": state.radiated_on,
                "event_at": at,
            },
            t.c.event_at <= at,
        )

    async def put_standing(self, affiliate_id: str, standing: Standing, at: datetime) -> None:
        t = orm.standings
        await self._upsert_newer(
            t,
            {"affiliate_id": affiliate_id},
            {
                "as_of": standing.as_of,
                "balance_due": standing.balance_due,
                "overdue": standing.overdue,
                "oldest_overdue_due_date": standing.oldest_overdue_due_date,
                "up_to_date": standing.up_to_date,
                "event_at": at,
            },
            or_(t.c.as_of < standing.as_of, and_(t.c.as_of == standing.as_of, t.c.event_at <= at)),
        )

    async def put_payment(
        self,
        affiliate_id: str,
        payment_id: str,
        *,
        status: str,
        at: datetime,
        amount: Decimal | None = None,
        mode: str | None = None,
        value_date: object = None,
    ) -> None:
        t = orm.payments
        key = {"affiliate_id": affiliate_id, "payment_id": payment_id}
        row = (
            await self._s.execute(
                select(t).where(t.c.affiliate_id == affiliate_id, t.c.payment_id == payment_id)
            )
        ).first()
        if row is None:
            await self._s.execute(
                t.insert().values(
                    **key,
                    status=status,
                    amount=amount,
                    mode=mode,
                    value_date=value_date,
                    event_at=at,
                )
            )
            return
        values: dict[str, Any] = {}
        if _STATUS_RANK[status] >= _STATUS_RANK[row.status]:
            values["status"] = status
        newer = row.event_at is None or as_utc(at) >= as_utc(row.event_at)
        if amount is not None and (row.amount is None or newer):
            # a telepayment changed before its debit, then settled: the latest amount stands
            values["amount"] = amount
        for name, value in (("mode", mode), ("value_date", value_date)):
            if value is not None and getattr(row, name) is None:
                values[name] = value
        if newer:
            values["event_at"] = at
        if values:
            await self._s.execute(
                update(t)
                .where(t.c.affiliate_id == affiliate_id, t.c.payment_id == payment_id)
                .values(**values)
            )

    async def put_missing_declarations(
        self, affiliate_id: str, periods: Sequence[str], at: datetime
    ) -> None:
        t = orm.declarations_due
        await self._upsert_newer(
            t,
            {"affiliate_id": affiliate_id},
            {"periods": list(periods), "event_at": at},
            t.c.event_at <= at,
        )

    async def put_plan(
        self, affiliate_id: str, plan_id: str, state: PlanState, at: datetime
    ) -> None:
        t = orm.plans
        await self._upsert_newer(
            t,
            {"affiliate_id": affiliate_id, "plan_id": plan_id},
            {"state": state, "event_at": at},
            t.c.event_at <= at,
        )

    async def put_pension_payment(
        self, pensioner_id: str, p: PensionPayment, at: datetime
    ) -> PensionOutcome:
        """A pension payment, by the fund's reference: ``added`` the first time, ``corrected``
        when a record newer than the one kept (``at``) gives other amounts or dates (the
        fund's correction), ``same`` otherwise (a replay, or an older record delivered late)."""
        t = orm.pension_payments
        values = {
            "period": p.period,
            "paid_on": p.paid_on,
            "gross": p.gross,
            "net": p.net,
            "taxable": p.taxable,
            "recorded_at": at,
        }
        result = await self._s.execute(
            insert_ignoring_conflicts(self._dialect(), t).values(
                pensioner_id=pensioner_id, payment_id=p.payment_id, **values
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return "added"
        where = and_(t.c.pensioner_id == pensioner_id, t.c.payment_id == p.payment_id)
        row = (await self._s.execute(select(t).where(where))).one()
        kept = (row.period, row.paid_on, Decimal(row.gross), Decimal(row.net), Decimal(row.taxable))
        if kept == (p.period, p.paid_on, p.gross, p.net, p.taxable):
            return "same"
        if row.recorded_at is not None and as_utc(row.recorded_at) > as_utc(at):
            return "same"  # an older record than the one kept changes nothing
        await self._s.execute(update(t).where(where).values(**values))
        return "corrected"

    # -- reads -----------------------------------------------------------------------------
    async def affiliate(self, affiliate_id: str) -> AffiliateRecord | None:
        t = orm.affiliates
        row = (await self._s.execute(select(t).where(t.c.affiliate_id == affiliate_id))).first()
        if row is None:
            return None
        return AffiliateRecord(
            row.affiliate_id,
            row.category,
            row.holder,
            row.siren,
            row.affiliated_on,
            row.radiated_on,
        )

    async def standing(self, affiliate_id: str) -> Standing | None:
        t = orm.standings
        row = (await self._s.execute(select(t).where(t.c.affiliate_id == affiliate_id))).first()
        if row is None:
            return None
        return Standing(
            row.as_of,
            Decimal(row.balance_due),
            Decimal(row.overdue),
            row.oldest_overdue_due_date,
            bool(row.up_to_date),
        )

    async def missing_declarations(self, affiliate_id: str) -> tuple[str, ...]:
        t = orm.declarations_due
        row = (await self._s.execute(select(t).where(t.c.affiliate_id == affiliate_id))).first()
        return () if row is None else tuple(str(p) for p in row.periods)

    async def plan(self, affiliate_id: str) -> PlanState:
        """The latest plan's state (a running plan wins over an older broken one)."""
        t = orm.plans
        row = (
            await self._s.execute(
                select(t.c.state)
                .where(t.c.affiliate_id == affiliate_id)
                .order_by(t.c.event_at.desc())
                .limit(1)
            )
        ).first()
        return "none" if row is None else row.state  # type: ignore[no-any-return]

    async def paid_in(self, affiliate_id: str, year: int) -> PaidInYear:
        """Payments that stand (settled, or posted by an agent) with a value date in ``year``."""
        t = orm.payments
        row = (
            await self._s.execute(
                select(func.coalesce(func.sum(t.c.amount), 0), func.count()).where(
                    t.c.affiliate_id == affiliate_id,
                    t.c.status.in_(("settled", "posted")),
                    t.c.value_date >= date(year, 1, 1),
                    t.c.value_date <= date(year, 12, 31),
                )
            )
        ).one()
        return PaidInYear(year, Decimal(row[0]).quantize(Decimal("0.01")), int(row[1]))

    async def pension_payments(self, affiliate_id: str) -> list[PensionPayment]:
        t = orm.pension_payments
        rows = await self._s.execute(
            select(t)
            .where(t.c.pensioner_id == affiliate_id)
            .order_by(t.c.paid_on.desc(), t.c.payment_id)
        )
        return [
            PensionPayment(
                r.payment_id,
                r.period,
                r.paid_on,
                Decimal(r.gross),
                Decimal(r.net),
                Decimal(r.taxable),
            )
            for r in rows
        ]

    async def pensions_in(self, affiliate_id: str, year: int) -> PensionsInYear:
        """The pensions paid in ``year`` (by payment date, as the tax return counts them)."""
        paid = [p for p in await self.pension_payments(affiliate_id) if p.paid_on.year == year]
        cents = Decimal("0.01")
        return PensionsInYear(
            year,
            sum((p.gross for p in paid), Decimal(0)).quantize(cents),
            sum((p.net for p in paid), Decimal(0)).quantize(cents),
            sum((p.taxable for p in paid), Decimal(0)).quantize(cents),
            len(paid),
        )
