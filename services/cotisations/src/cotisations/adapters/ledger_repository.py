"""The ledger's rows: read whole for one account, appended to, a status moved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cotisations.adapters.orm import ledger_entries
from cotisations.domain.payments.ledger import Entry, EntryKind, Ledger, Mode, Status
from cotisations.domain.payments.refusals import ConcurrentRequest

_CHUNK = 900
_BY_IDS = select(ledger_entries).where(
    ledger_entries.c.affiliate_id.in_(bindparam("ids", expanding=True))
)


def entry_of(row: Any) -> Entry:
    return Entry(
        key=row.entry_key,
        kind=cast(EntryKind, row.kind),
        amount=Decimal(row.amount).quantize(Decimal("0.01")),
        booked_on=row.booked_on,
        value_date=row.value_date,
        obligation=row.obligation,
        mode=cast(Mode | None, row.mode),
        status=cast(Status, row.status),
        external_reference=row.external_reference,
        reason=row.reason,
    )


def entry_values(affiliate_id: str, position: int, e: Entry) -> dict[str, Any]:
    return {
        "affiliate_id": affiliate_id,
        "entry_key": e.key,
        "position": position,
        "kind": e.kind,
        "amount": e.amount,
        "booked_on": e.booked_on,
        "value_date": e.value_date,
        "obligation": e.obligation,
        "mode": e.mode,
        "status": e.status,
        "external_reference": e.external_reference,
        "reason": e.reason,
    }


def _ledgers(found: dict[str, list[Any]]) -> dict[str, Ledger]:
    return {
        affiliate_id: Ledger(
            affiliate_id,
            [entry_of(r) for r in sorted(rows, key=lambda r: (r.position, r.entry_key))],
        )
        for affiliate_id, rows in found.items()
    }


class SqlAlchemyLedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, affiliate_id: str) -> Ledger:
        rows = (
            await self._session.execute(
                select(ledger_entries)
                .where(ledger_entries.c.affiliate_id == affiliate_id)
                .order_by(ledger_entries.c.position, ledger_entries.c.entry_key)
            )
        ).all()
        return Ledger(affiliate_id, [entry_of(r) for r in rows])

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, Ledger]:
        found: dict[str, list[Any]] = {}
        for start in range(0, len(affiliate_ids), _CHUNK):
            chunk = list(affiliate_ids[start : start + _CHUNK])
            rows = await self._session.execute(_BY_IDS, {"ids": chunk})
            for r in rows.all():
                found.setdefault(r.affiliate_id, []).append(r)
        return _ledgers(found)

    async def find_by_reference(self, external_reference: str) -> tuple[str, str] | None:
        """The (affiliate id, entry key) of the entry with this external reference."""
        row = (
            await self._session.execute(
                select(ledger_entries.c.affiliate_id, ledger_entries.c.entry_key).where(
                    ledger_entries.c.external_reference == external_reference,
                    ledger_entries.c.kind == "payment",
                )
            )
        ).first()
        return None if row is None else (row.affiliate_id, row.entry_key)

    async def debits_on(self, debit_date: date) -> list[tuple[str, Entry]]:
        t = ledger_entries
        rows = await self._session.execute(
            select(t)
            .where(t.c.entry_key == f"debit:{debit_date.isoformat()}")
            .order_by(t.c.affiliate_id)
        )
        return [(r.affiliate_id, entry_of(r)) for r in rows.all()]

    async def save(self, ledger: Ledger) -> None:
        """The entries posted since it was read, and the statuses moved."""
        await self.save_many([ledger])

    async def save_many(self, ledgers: Sequence[Ledger]) -> None:
        values: list[dict[str, Any]] = []
        for ledger in ledgers:
            start = len(ledger.entries) - len(ledger.posted_keys)
            values.extend(
                entry_values(ledger.affiliate_id, start + i, e) for i, e in enumerate(ledger.posted)
            )
        for start in range(0, len(values), 5000):
            try:
                await self._session.execute(insert(ledger_entries), values[start : start + 5000])
            except IntegrityError as exc:
                # an entry's natural key written by a concurrent request (a plan granted
                # over the same debt): the second is refused, nothing of it written
                raise ConcurrentRequest from exc
        for ledger in ledgers:
            for e in ledger.moved:
                await self._session.execute(
                    update(ledger_entries)
                    .where(
                        and_(
                            ledger_entries.c.affiliate_id == ledger.affiliate_id,
                            ledger_entries.c.entry_key == e.key,
                        )
                    )
                    .values(status=e.status, amount=e.amount)
                )
            ledger.posted_keys.clear()
            ledger.moved_keys.clear()
