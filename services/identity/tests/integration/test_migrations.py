"""Migrations that carry data forward: what a database of the previous schema holds is
converted, not lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from identity.adapters import orm
from identity_migrations import upgrade_to
from servicekit.db import as_utc
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_open_refresh_families_become_sessions_ending_90_days_after_their_login(
    database_url: str,
) -> None:
    engine = create_async_engine(database_url)
    try:
        await upgrade_to(engine, "0009")
        async with engine.begin() as conn:
            await conn.execute(
                insert(orm.accounts).values(
                    id="acc-1", kind="agent", email="a@urssaf.example", display_name="A",
                    password_hash="x", status="active", rights="", created_at=T0, version=0,
                )
            )  # fmt: skip
            for n, (family, issued, revoked) in enumerate(
                [
                    ("open", T0, None),
                    ("open", T0 + timedelta(days=3), None),
                    ("closed", T0, T0 + timedelta(days=1)),
                ]
            ):
                await conn.execute(
                    insert(orm.refresh_tokens).values(
                        token_hash=f"h{n}", family_id=family, account_id="acc-1",
                        issued_at=issued, expires_at=issued + timedelta(days=30),
                        revoked_at=revoked,
                    )
                )  # fmt: skip
        await upgrade_to(engine, "head")
        async with engine.connect() as conn:
            rows = (await conn.execute(select(orm.sessions))).all()
    finally:
        await engine.dispose()
    [session] = rows
    assert session.id == "open"
    assert session.account_id == "acc-1"
    assert as_utc(session.created_at) == T0
    assert as_utc(session.last_used_at) == T0 + timedelta(days=3)
    assert as_utc(session.expires_at) == T0 + timedelta(days=90)
    assert session.ended_at is None
