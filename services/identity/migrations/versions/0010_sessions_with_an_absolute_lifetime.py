"""sessions: one row per login, with an absolute end, listed to the account holder

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:20:00

The refresh families still open become sessions: created at their first token, last used at
their latest, ending 90 days (the default lifetime) after their first token.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIFETIME = timedelta(days=90)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def upgrade() -> None:
    sessions = op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_account_id"), ["account_id"], unique=False)
    tokens = sa.table(
        "refresh_tokens",
        sa.column("family_id", sa.String),
        sa.column("account_id", sa.String),
        sa.column("issued_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    families = op.get_bind().execute(
        sa.select(
            tokens.c.family_id,
            tokens.c.account_id,
            sa.func.min(tokens.c.issued_at),
            sa.func.max(tokens.c.issued_at),
        )
        .where(tokens.c.revoked_at.is_(None))
        .group_by(tokens.c.family_id, tokens.c.account_id)
    )
    rows = [
        {
            "id": family_id,
            "account_id": account_id,
            "created_at": _utc(first),
            "last_used_at": _utc(last),
            "expires_at": _utc(first) + LIFETIME,
        }
        for family_id, account_id, first, last in families
    ]
    if rows:
        op.bulk_insert(sessions, rows)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_account_id"))
    op.drop_table("sessions")
