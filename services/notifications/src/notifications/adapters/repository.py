"""SQLAlchemy repository of deliveries.

``claim_due`` moves due rows to ``sending`` in one statement; on PostgreSQL it skips rows
another worker holds (``FOR UPDATE SKIP LOCKED``), so several workers share the work. A row
left in ``sending`` by a crashed worker is claimed again after the sending timeout.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from servicekit.db import as_utc
from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import affiliates, cabinet_users, deliveries
from notifications.domain.directory import AffiliateContact, CabinetUser
from notifications.domain.letters import IN_TRANSIT
from notifications.domain.model import LETTER, PENDING, SENDING, SENT, Delivery


def _upsert_insert(session: AsyncSession) -> Any:
    """The ``insert`` of the session's dialect, the one that has ``ON CONFLICT``."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def _to_delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        key=row.key,
        source_event_id=row.source_event_id,
        kind=row.kind,
        channel=row.channel,
        recipient=row.recipient,
        context=dict(row.context),
        sealed=dict(row.sealed),
        event_time=as_utc(row.event_time),  # type: ignore[arg-type]
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=as_utc(row.next_attempt_at),
        sent_at=as_utc(row.sent_at),
        last_error=row.last_error,
        optional=bool(row.optional),
        letter_status=row.letter_status,
        provider_ref=row.provider_ref,
    )


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_all_if_absent(self, planned: Sequence[Delivery]) -> int:
        """Insert those whose key is not there yet, with ``INSERT … ON CONFLICT (key) DO
        NOTHING`` (SQLite and PostgreSQL, rows sent in batches of values); how many were
        inserted."""
        if not planned:
            return 0
        rows = [
            {
                "id": d.id,
                "key": d.key,
                "source_event_id": d.source_event_id,
                "kind": d.kind,
                "channel": d.channel,
                "recipient": d.recipient,
                "context": d.context,
                "sealed": d.sealed,
                "state": d.state,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "event_time": d.event_time,
                "created_at": d.created_at,
                "optional": d.optional,
            }
            for d in planned
        ]
        statement = (
            _upsert_insert(self._session)(deliveries)
            .on_conflict_do_nothing(index_elements=[deliveries.c.key])
            .returning(deliveries.c.id)
        )
        # executemany: the statement is compiled once per process, not once per batch size
        return len((await self._session.execute(statement, rows)).all())

    async def get(self, delivery_id: str) -> Delivery | None:
        row = (
            await self._session.execute(select(deliveries).where(deliveries.c.id == delivery_id))
        ).first()
        return None if row is None else _to_delivery(row)

    async def save(self, delivery: Delivery) -> bool:
        """The outcome of one delivery; False when its claim was taken over (nothing written)."""
        if delivery.claim is None:
            await self.save_all([delivery])
            return True
        result = await self._session.execute(
            self._outcome(claimed=True), self._values(delivery, claimed=True)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    async def save_all(self, saved: Sequence[Delivery]) -> None:
        """The outcome of several deliveries in (executemany) statements; a claimed delivery's
        only while the row still carries its claim."""
        for claimed in (True, False):
            rows = [
                self._values(d, claimed=claimed) for d in saved if (d.claim is not None) is claimed
            ]
            if rows:
                await self._session.execute(self._outcome(claimed=claimed), rows)

    @staticmethod
    def _outcome(*, claimed: bool) -> Any:
        where = deliveries.c.id == bindparam("delivery_id")
        if claimed:
            where = and_(where, deliveries.c.claimed_at == bindparam("claim"))
        return (
            update(deliveries)
            .where(where)
            .values(
                state=bindparam("state"),
                attempts=bindparam("attempts"),
                next_attempt_at=bindparam("next_attempt_at"),
                sent_at=bindparam("sent_at"),
                last_error=bindparam("last_error"),
                letter_status=bindparam("letter_status"),
                provider_ref=bindparam("provider_ref"),
                claimed_at=None,
            )
        )

    @staticmethod
    def _values(d: Delivery, *, claimed: bool) -> dict[str, Any]:
        return {
            "delivery_id": d.id,
            **({"claim": d.claim} if claimed else {}),
            "state": d.state,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at,
            "sent_at": d.sent_at,
            "last_error": d.last_error,
            "letter_status": d.letter_status,
            "provider_ref": d.provider_ref,
        }

    async def claim_due(self, now: datetime, limit: int, stale_before: datetime) -> list[Delivery]:
        due = or_(
            and_(deliveries.c.state == PENDING, deliveries.c.next_attempt_at <= now),
            and_(deliveries.c.state == SENDING, deliveries.c.claimed_at < stale_before),
        )
        query = select(deliveries).where(due).order_by(deliveries.c.created_at).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._session.execute(query)).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        await self._session.execute(
            update(deliveries).where(deliveries.c.id.in_(ids)).values(state=SENDING, claimed_at=now)
        )
        claimed = [_to_delivery(row) for row in rows]
        for delivery in claimed:
            delivery.claim = now
        return claimed

    async def letters_in_transit(
        self, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Delivery]:
        """One page of the letters handed to the channel whose status can still change, oldest
        first by (created_at, id); the next page starts ``after`` the last one read (keyset
        pagination: every letter in transit is read, however many they are)."""
        query = select(deliveries).where(
            deliveries.c.channel == LETTER,
            deliveries.c.state == SENT,
            deliveries.c.letter_status.in_(IN_TRANSIT),
        )
        if after is not None:
            created_at, delivery_id = after
            query = query.where(
                or_(
                    deliveries.c.created_at > created_at,
                    and_(deliveries.c.created_at == created_at, deliveries.c.id > delivery_id),
                )
            )
        query = query.order_by(deliveries.c.created_at, deliveries.c.id).limit(limit)
        rows = (await self._session.execute(query)).all()
        return [_to_delivery(row) for row in rows]

    async def find(self, source_event_id: str, kind: str) -> list[Delivery]:
        rows = (
            await self._session.execute(
                select(deliveries).where(
                    deliveries.c.source_event_id == source_event_id, deliveries.c.kind == kind
                )
            )
        ).all()
        return [_to_delivery(row) for row in rows]

    async def list_by_state(self, state: str, limit: int) -> list[Delivery]:
        rows = (
            await self._session.execute(
                select(deliveries)
                .where(deliveries.c.state == state)
                .order_by(deliveries.c.created_at)
                .limit(limit)
            )
        ).all()
        return [_to_delivery(row) for row in rows]


class SqlAlchemyAffiliateDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, affiliate_id: str) -> AffiliateContact | None:
        return (await self.get_many([affiliate_id])).get(affiliate_id)

    async def get_many(self, affiliate_ids: Collection[str]) -> dict[str, AffiliateContact]:
        rows = await self._session.execute(
            select(affiliates).where(affiliates.c.affiliate_id.in_(set(affiliate_ids)))
        )
        return {
            row.affiliate_id: AffiliateContact(
                affiliate_id=row.affiliate_id,
                display_name=row.display_name,
                address_lines=tuple(row.address_lines),
                email=row.email,
                radiated=bool(row.radiated),
                updated_at=as_utc(row.updated_at),  # type: ignore[arg-type]
                siren=row.siren,
            )
            for row in rows
        }

    async def put_unless_newer(self, contact: AffiliateContact) -> None:
        """Store the contact unless the one stored is newer (events may come out of order):
        one ``INSERT … ON CONFLICT DO UPDATE … WHERE``, on SQLite as on PostgreSQL."""
        insert_into = _upsert_insert(self._session)
        values = {
            "display_name": contact.display_name,
            "address_lines": list(contact.address_lines),
            "email": contact.email,
            "radiated": contact.radiated,
            "updated_at": contact.updated_at,
            "siren": contact.siren,
        }
        statement = insert_into(affiliates).values(affiliate_id=contact.affiliate_id, **values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[affiliates.c.affiliate_id],
                set_={name: statement.excluded[name] for name in values},
                where=affiliates.c.updated_at <= statement.excluded.updated_at,
            )
        )


def _to_cabinet_user(row: Any) -> CabinetUser:
    return CabinetUser(
        account_id=row.account_id,
        cabinet_id=row.cabinet_id,
        display_name=row.display_name,
        email=row.email,
        rights=tuple(row.rights),
        active=bool(row.active),
        version=row.version,
    )


class SqlAlchemyCabinetUserDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: str) -> CabinetUser | None:
        row = (
            await self._session.execute(
                select(cabinet_users).where(cabinet_users.c.account_id == account_id)
            )
        ).first()
        return None if row is None else _to_cabinet_user(row)

    async def of_cabinet(self, cabinet_id: str) -> list[CabinetUser]:
        rows = await self._session.execute(
            select(cabinet_users)
            .where(cabinet_users.c.cabinet_id == cabinet_id)
            .order_by(cabinet_users.c.account_id)
        )
        return [_to_cabinet_user(row) for row in rows]

    async def put(self, user: CabinetUser) -> None:
        """Insert or replace the user (``INSERT … ON CONFLICT DO UPDATE``)."""
        insert_into = _upsert_insert(self._session)
        values = {
            "cabinet_id": user.cabinet_id,
            "display_name": user.display_name,
            "email": user.email,
            "rights": list(user.rights),
            "active": user.active,
            "version": user.version,
        }
        statement = insert_into(cabinet_users).values(account_id=user.account_id, **values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[cabinet_users.c.account_id],
                set_={name: statement.excluded[name] for name in values},
            )
        )
