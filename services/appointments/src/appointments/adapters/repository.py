"""The appointments' tables read and written: the agencies' records, the places held, the
appointments and their history, the verification codes used, the people of the registry.

**The last place** (``Holds.take``): the slot's row is made if absent (insert, nothing on
conflict), then one ``UPDATE … SET taken = taken + 1 WHERE … AND taken < capacity``; the
database applies it to one row at a time (SQLite: one writer; PostgreSQL: the row's lock, the
condition checked again on the row as committed), so of two requests for the last place one
updates a row and the other none."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from appointments.adapters import orm
from appointments.domain.model import OPEN, Appointment, Person


def _insert_ignoring_conflict(session: AsyncSession, table: Any, values: dict[str, Any]) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing()
    return sqlite.insert(table).values(**values).on_conflict_do_nothing()


@dataclass(frozen=True, slots=True)
class AgencyRow:
    agency_id: str
    record: dict[str, Any]
    version: int
    file_version: int


class Agencies:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def all(self) -> list[AgencyRow]:
        rows = (await self._s.execute(select(orm.agencies))).all()
        return [
            AgencyRow(r.agency_id, json.loads(r.record), r.version, r.file_version) for r in rows
        ]

    async def get(self, agency_id: str, *, for_update: bool = False) -> AgencyRow | None:
        query = select(orm.agencies).where(orm.agencies.c.agency_id == agency_id)
        if for_update:
            query = query.with_for_update()
        r = (await self._s.execute(query)).first()
        if r is None:
            return None
        return AgencyRow(r.agency_id, json.loads(r.record), r.version, r.file_version)

    async def put(self, row: AgencyRow, *, at: datetime, by: str, new: bool) -> None:
        values = {
            "region": row.record["region"],
            "version": row.version,
            "file_version": row.file_version,
            "record": json.dumps(row.record, ensure_ascii=False, sort_keys=True),
            "changed_at": at,
            "changed_by": by,
        }
        if new:
            await self._s.execute(insert(orm.agencies).values(agency_id=row.agency_id, **values))
        else:
            await self._s.execute(
                update(orm.agencies)
                .where(orm.agencies.c.agency_id == row.agency_id)
                .values(**values)
            )


class Holds:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def take(self, agency_id: str, starts_at: datetime, default_capacity: int) -> bool:
        """One place of the slot, if one is left (see the module's docstring)."""
        t = orm.slot_holds
        await self._s.execute(
            _insert_ignoring_conflict(
                self._s, t, {"agency_id": agency_id, "starts_at": starts_at, "taken": 0}
            )
        )
        result = await self._s.execute(
            update(t)
            .where(
                t.c.agency_id == agency_id,
                t.c.starts_at == starts_at,
                t.c.taken < func.coalesce(t.c.capacity, default_capacity),
            )
            .values(taken=t.c.taken + 1)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    async def release(self, agency_id: str, starts_at: datetime) -> None:
        t = orm.slot_holds
        await self._s.execute(
            update(t)
            .where(t.c.agency_id == agency_id, t.c.starts_at == starts_at, t.c.taken > 0)
            .values(taken=t.c.taken - 1)
        )

    async def in_range(
        self, agency_ids: Sequence[str], first: datetime, last: datetime
    ) -> dict[tuple[str, datetime], tuple[int, int | None]]:
        """(taken, capacity set by an agent) of the slots of those agencies in [first, last]."""
        t = orm.slot_holds
        rows = await self._s.execute(
            select(t.c.agency_id, t.c.starts_at, t.c.taken, t.c.capacity).where(
                t.c.agency_id.in_(agency_ids), t.c.starts_at >= first, t.c.starts_at <= last
            )
        )
        return {(r.agency_id, r.starts_at): (r.taken, r.capacity) for r in rows}

    async def of(self, agency_id: str, starts_at: datetime) -> tuple[int, int | None]:
        t = orm.slot_holds
        r = (
            await self._s.execute(
                select(t.c.taken, t.c.capacity).where(
                    t.c.agency_id == agency_id, t.c.starts_at == starts_at
                )
            )
        ).first()
        return (0, None) if r is None else (r.taken, r.capacity)

    async def set_capacity(
        self, agency_id: str, starts_at: datetime, capacity: int
    ) -> tuple[bool, int]:
        """The slot's capacity, unless places already taken exceed it: (done, taken)."""
        t = orm.slot_holds
        await self._s.execute(
            _insert_ignoring_conflict(
                self._s, t, {"agency_id": agency_id, "starts_at": starts_at, "taken": 0}
            )
        )
        result = await self._s.execute(
            update(t)
            .where(t.c.agency_id == agency_id, t.c.starts_at == starts_at, t.c.taken <= capacity)
            .values(capacity=capacity)
        )
        taken, _ = await self.of(agency_id, starts_at)
        return cast(int, getattr(result, "rowcount", 0)) == 1, taken


_A = orm.appointments
_PERSON = ("first_names", "last_name", "address", "mobile", "email")


def _appointment(r: Any) -> Appointment:
    return Appointment(
        appointment_id=r.appointment_id,
        agency_id=r.agency_id,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        channel=r.channel,
        reason_code=r.reason_code,
        state=r.state,
        revision=r.revision,
        person=Person(*(getattr(r, f) for f in _PERSON)),
        affiliate_id=r.affiliate_id,
        requested_at=r.requested_at,
        note=r.note,
        confirmed_at=r.confirmed_at,
        cancelled_at=r.cancelled_at,
        cancelled_by=r.cancelled_by,
        explanation=r.explanation,
        reminded_at=r.reminded_at,
    )


def _values(a: Appointment) -> dict[str, Any]:
    return {
        "agency_id": a.agency_id,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "channel": a.channel,
        "reason_code": a.reason_code,
        "state": a.state,
        "revision": a.revision,
        "affiliate_id": a.affiliate_id,
        "note": a.note,
        "requested_at": a.requested_at,
        "confirmed_at": a.confirmed_at,
        "cancelled_at": a.cancelled_at,
        "cancelled_by": a.cancelled_by,
        "explanation": a.explanation,
        "reminded_at": a.reminded_at,
        **{f: getattr(a.person, f) for f in _PERSON},
    }


class Appointments:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, a: Appointment, *, nir_index: str, nir_sealed: str) -> None:
        await self._s.execute(
            insert(_A).values(
                appointment_id=a.appointment_id,
                nir_index=nir_index,
                nir_sealed=nir_sealed,
                **_values(a),
            )
        )

    async def get(self, appointment_id: str, *, for_update: bool = False) -> Appointment | None:
        query = select(_A).where(_A.c.appointment_id == appointment_id)
        if for_update:
            query = query.with_for_update()
        r = (await self._s.execute(query)).first()
        return None if r is None else _appointment(r)

    async def save(self, a: Appointment, *, expected_revision: int) -> bool:
        """Write the new state if nobody changed it since it was read (its revision)."""
        result = await self._s.execute(
            update(_A)
            .where(_A.c.appointment_id == a.appointment_id, _A.c.revision == expected_revision)
            .values(**_values(a))
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    async def open_count(self, nir_index: str, now: datetime) -> int:
        count = await self._s.scalar(
            select(func.count())
            .select_from(_A)
            .where(_A.c.nir_index == nir_index, _A.c.state.in_(OPEN), _A.c.starts_at > now)
        )
        return int(count or 0)

    async def of_agency(
        self,
        agency_id: str,
        first: datetime,
        last: datetime,
        states: Iterable[str] | None = None,
        limit: int = 200,
        after: tuple[datetime, str] | None = None,
    ) -> list[Appointment]:
        query = select(_A).where(
            _A.c.agency_id == agency_id, _A.c.starts_at >= first, _A.c.starts_at <= last
        )
        if states is not None:
            query = query.where(_A.c.state.in_(list(states)))
        if after is not None:
            query = query.where(
                or_(
                    _A.c.starts_at > after[0],
                    and_(_A.c.starts_at == after[0], _A.c.appointment_id > after[1]),
                )
            )
        rows = await self._s.execute(
            query.order_by(_A.c.starts_at, _A.c.appointment_id).limit(limit)
        )
        return [_appointment(r) for r in rows]

    async def reminders_due(self, first: datetime, last: datetime, limit: int) -> list[Appointment]:
        """Confirmed appointments starting in [first, last] whose reminder is not out yet."""
        rows = await self._s.execute(
            select(_A)
            .where(
                _A.c.state == "confirmed",
                _A.c.reminded_at.is_(None),
                _A.c.starts_at >= first,
                _A.c.starts_at <= last,
            )
            .order_by(_A.c.starts_at)
            .limit(limit)
        )
        return [_appointment(r) for r in rows]

    async def mark_reminded(self, appointment_id: str, at: datetime) -> bool:
        """Claim the reminder (once: only while none is recorded)."""
        result = await self._s.execute(
            update(_A)
            .where(_A.c.appointment_id == appointment_id, _A.c.reminded_at.is_(None))
            .values(reminded_at=at)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    async def record(
        self, a: Appointment, change: str, by: str, at: datetime, detail: str = ""
    ) -> None:
        await self._s.execute(
            insert(orm.history).values(
                appointment_id=a.appointment_id,
                at=at,
                change=change,
                by=by,
                starts_at=a.starts_at,
                detail=detail,
            )
        )

    async def history(self, appointment_id: str) -> list[dict[str, Any]]:
        h = orm.history
        rows = await self._s.execute(
            select(h.c.at, h.c.change, h.c.by, h.c.starts_at, h.c.detail)
            .where(h.c.appointment_id == appointment_id)
            .order_by(h.c.id)
        )
        return [dict(r._mapping) for r in rows]


class Captchas:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def use(self, replay_key: str, at: datetime) -> bool:
        """Record a solved challenge; False when it was used before."""
        result = await self._s.execute(
            _insert_ignoring_conflict(
                self._s, orm.captcha_uses, {"replay_key": replay_key, "used_at": at}
            )
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1


class People:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def put(self, affiliate_id: str, values: dict[str, Any], at: datetime) -> None:
        """The registry's latest state of the affilié (an older event changes nothing)."""
        p = orm.people
        known = await self._s.scalar(select(p.c.event_at).where(p.c.affiliate_id == affiliate_id))
        if known is None:
            await self._s.execute(
                insert(p).values(affiliate_id=affiliate_id, event_at=at, **values)
            )
        elif known <= at:
            await self._s.execute(
                update(p).where(p.c.affiliate_id == affiliate_id).values(event_at=at, **values)
            )

    async def get(self, affiliate_id: str) -> dict[str, Any] | None:
        p = orm.people
        r = (await self._s.execute(select(p).where(p.c.affiliate_id == affiliate_id))).first()
        return None if r is None else dict(r._mapping)
