"""SQLAlchemy repositories: rows in, aggregates out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from servicekit.db import as_utc
from sqlalchemy import case, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.orm import (
    accounts,
    activation_tokens,
    attempt_windows,
    cabinets,
    login_throttles,
    refresh_tokens,
    sessions,
)
from identity.domain.model import Account, ActivationToken, Cabinet
from identity.domain.sessions import LoginThrottle, RefreshToken, Session


class SqlAlchemyCabinetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, cabinet: Cabinet) -> None:
        await self._session.execute(
            insert(cabinets).values(
                id=cabinet.id,
                raison_sociale=cabinet.raison_sociale,
                siret=cabinet.siret,
                address=cabinet.address,
                created_at=cabinet.created_at,
            )
        )

    async def get(self, cabinet_id: str) -> Cabinet | None:
        row = (
            await self._session.execute(select(cabinets).where(cabinets.c.id == cabinet_id))
        ).first()
        if row is None:
            return None
        return Cabinet(
            row.id,
            row.raison_sociale,
            row.siret,
            row.address,
            as_utc(row.created_at),  # type: ignore[arg-type]
        )

    async def siret_exists(self, siret: str) -> bool:
        return bool(await self._session.scalar(select(exists().where(cabinets.c.siret == siret))))


def _account_values(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "kind": account.kind,
        "email": account.email,
        "display_name": account.display_name,
        "password_hash": account.password_hash,
        "status": account.status,
        "cabinet_id": account.cabinet_id,
        "rights": ",".join(sorted(account.rights)),
        "created_at": account.created_at,
        "activated_at": account.activated_at,
        "affiliate_id": account.affiliate_id,
        "category": account.category,
        "version": account.version,
    }


class SqlAlchemyAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, account: Account) -> None:
        await self._session.execute(insert(accounts).values(**_account_values(account)))

    async def save(self, account: Account) -> None:
        values = _account_values(account)
        values.pop("id")
        await self._session.execute(
            update(accounts).where(accounts.c.id == account.id).values(**values)
        )

    async def get(self, account_id: str) -> Account | None:
        row = (
            await self._session.execute(select(accounts).where(accounts.c.id == account_id))
        ).first()
        return None if row is None else _to_account(row)

    async def get_by_email(self, email: str) -> Account | None:
        row = (
            await self._session.execute(select(accounts).where(accounts.c.email == email))
        ).first()
        return None if row is None else _to_account(row)

    async def of_cabinet(self, cabinet_id: str) -> list[Account]:
        rows = (
            await self._session.execute(
                select(accounts)
                .where(accounts.c.cabinet_id == cabinet_id)
                .order_by(accounts.c.created_at)
            )
        ).all()
        return [_to_account(row) for row in rows]

    async def by_affiliate(self, affiliate_id: str) -> Account | None:
        row = (
            await self._session.execute(
                select(accounts).where(accounts.c.affiliate_id == affiliate_id)
            )
        ).first()
        return None if row is None else _to_account(row)

    async def email_exists(self, email: str) -> bool:
        return bool(await self._session.scalar(select(exists().where(accounts.c.email == email))))


def _to_account(row: Any) -> Account:
    return Account(
        id=row.id,
        kind=row.kind,
        email=row.email,
        display_name=row.display_name,
        password_hash=row.password_hash,
        status=row.status,
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        cabinet_id=row.cabinet_id,
        rights=frozenset(r for r in row.rights.split(",") if r),
        activated_at=as_utc(row.activated_at),
        affiliate_id=row.affiliate_id,
        category=row.category,
        version=row.version,
    )


class SqlAlchemyActivationTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: ActivationToken) -> None:
        await self._session.execute(
            insert(activation_tokens).values(
                token_hash=token.token_hash,
                account_id=token.account_id,
                purpose=token.purpose,
                expires_at=token.expires_at,
                used_at=token.used_at,
                new_email=token.new_email,
            )
        )

    async def get(self, token_hash: str) -> ActivationToken | None:
        row = (
            await self._session.execute(
                select(activation_tokens).where(activation_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return ActivationToken(
            row.token_hash,
            row.account_id,
            row.purpose,
            as_utc(row.expires_at),  # type: ignore[arg-type]
            as_utc(row.used_at),
            row.new_email,
        )

    async def save(self, token: ActivationToken) -> None:
        await self._session.execute(
            update(activation_tokens)
            .where(activation_tokens.c.token_hash == token.token_hash)
            .values(used_at=token.used_at)
        )


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        await self._session.execute(
            insert(refresh_tokens).values(
                token_hash=token.token_hash,
                family_id=token.family_id,
                account_id=token.account_id,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
            )
        )

    async def get(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._session.execute(
                select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return RefreshToken(
            row.token_hash,
            row.family_id,
            row.account_id,
            as_utc(row.issued_at),  # type: ignore[arg-type]
            as_utc(row.expires_at),  # type: ignore[arg-type]
            as_utc(row.used_at),
            as_utc(row.revoked_at),
        )

    async def mark_used(self, token: RefreshToken) -> bool:
        """Use the token once: a concurrent use of the same token finds it used."""
        t = refresh_tokens
        result = await self._session.execute(
            update(t)
            .where(t.c.token_hash == token.token_hash, t.c.used_at.is_(None))
            .values(used_at=token.used_at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_account(self, account_id: str, now: datetime) -> None:
        """Every refresh token of the account, and so every session it has, ends."""
        t = refresh_tokens
        await self._session.execute(
            update(t)
            .where(t.c.account_id == account_id, t.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._session.execute(
            update(sessions)
            .where(sessions.c.account_id == account_id, sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        """The family's tokens are revoked and its session ends (logout, reuse, ended)."""
        t = refresh_tokens
        await self._session.execute(
            update(t)
            .where(t.c.family_id == family_id, t.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._session.execute(
            update(sessions)
            .where(sessions.c.id == family_id, sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )


class SqlAlchemySessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _of(row: Any) -> Session:
        return Session(
            row.id,
            row.account_id,
            as_utc(row.created_at),  # type: ignore[arg-type]
            as_utc(row.last_used_at),  # type: ignore[arg-type]
            as_utc(row.expires_at),  # type: ignore[arg-type]
            row.user_agent,
            as_utc(row.ended_at),
        )

    async def add(self, session: Session) -> None:
        await self._session.execute(
            insert(sessions).values(
                id=session.id,
                account_id=session.account_id,
                created_at=session.created_at,
                last_used_at=session.last_used_at,
                expires_at=session.expires_at,
                user_agent=session.user_agent,
            )
        )

    async def get(self, session_id: str) -> Session | None:
        row = (
            await self._session.execute(select(sessions).where(sessions.c.id == session_id))
        ).first()
        return None if row is None else self._of(row)

    async def open_of_account(self, account_id: str, now: datetime) -> list[Session]:
        """The account's sessions not ended nor past their end, the oldest first."""
        rows = await self._session.execute(
            select(sessions)
            .where(
                sessions.c.account_id == account_id,
                sessions.c.ended_at.is_(None),
                sessions.c.expires_at > now,
            )
            .order_by(sessions.c.created_at, sessions.c.id)
        )
        return [self._of(row) for row in rows]

    async def touch(self, session: Session) -> None:
        await self._session.execute(
            update(sessions)
            .where(sessions.c.id == session.id)
            .values(last_used_at=session.last_used_at)
        )


class SqlAlchemyLoginThrottleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, identifier: str) -> LoginThrottle:
        """The throttle, its row locked until the transaction ends (PostgreSQL), so that
        attempts made at once on one account — on any api copy — are decided one after the
        other and cannot all pass before the first failure is counted."""
        values = {"identifier": identifier, "failures": 0}
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                postgresql_insert(login_throttles).values(**values).on_conflict_do_nothing()
            )
        else:
            await self._session.execute(
                sqlite_insert(login_throttles).values(**values).on_conflict_do_nothing()
            )
        row = (
            await self._session.execute(
                select(login_throttles)
                .where(login_throttles.c.identifier == identifier)
                .with_for_update()
            )
        ).first()
        if row is None:
            return LoginThrottle(identifier)
        return LoginThrottle(
            identifier, row.failures, as_utc(row.last_failure_at), as_utc(row.locked_until)
        )

    async def save(self, throttle: LoginThrottle) -> None:
        values = {
            "failures": throttle.failures,
            "last_failure_at": throttle.last_failure_at,
            "locked_until": throttle.locked_until,
        }
        result = await self._session.execute(
            update(login_throttles)
            .where(login_throttles.c.identifier == throttle.identifier)
            .values(**values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            await self._session.execute(
                insert(login_throttles).values(identifier=throttle.identifier, **values)
            )


class SqlAlchemyAttemptWindowRepository:
    """Fixed windows per key, incremented by one upsert so concurrent api copies add up."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count(self, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        row = (
            await self._session.execute(select(attempt_windows).where(attempt_windows.c.key == key))
        ).first()
        started = as_utc(row.window_started_at) if row is not None else None
        if row is None or started is None or started + window <= now:
            return 0, now + window
        return int(row.failures), started + window

    async def hit(self, key: str, now: datetime, window: timedelta) -> None:
        table = attempt_windows
        expired = table.c.window_started_at <= now - window
        values = {"key": key, "window_started_at": now, "failures": 1}
        on_conflict: dict[str, Any] = {
            "index_elements": [table.c.key],
            "set_": {
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_started_at": case((expired, now), else_=table.c.window_started_at),
            },
        }
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                postgresql_insert(table).values(**values).on_conflict_do_update(**on_conflict)
            )
        else:
            await self._session.execute(
                sqlite_insert(table).values(**values).on_conflict_do_update(**on_conflict)
            )
