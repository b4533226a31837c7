"""certificates, the read models of the registry and payments, access, messaging

Revision ID: 0001
Revises:
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from delegation.schema import create_access_tables, drop_access_tables
from servicekit.schema import (
    add_dead_letters_lease_and_replays,
    add_idempotency_keys,
    create_outbox_and_inbox,
    drop_dead_letters_lease_and_replays,
    drop_idempotency_keys,
    drop_outbox_and_inbox,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox()
    add_dead_letters_lease_and_replays()
    add_idempotency_keys()
    create_access_tables()
    op.create_table(
        "attestations",
        sa.Column("attestation_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=300), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("period", sa.String(length=300), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("attestation_id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "ix_attestations_affiliate", "attestations", ["affiliate_id", "issued_at"], unique=False
    )
    op.create_table(
        "affiliates",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("holder", sa.String(length=300), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("affiliated_on", sa.Date(), nullable=False),
        sa.Column("radiated_on", sa.Date(), nullable=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id"),
    )
    op.create_table(
        "standings",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("balance_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("overdue", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("oldest_overdue_due_date", sa.Date(), nullable=True),
        sa.Column("up_to_date", sa.Boolean(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id"),
    )
    op.create_table(
        "payments",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id", "payment_id", name="pk_payments"),
    )
    op.create_table(
        "plans",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id", "plan_id", name="pk_plans"),
    )


def downgrade() -> None:
    op.drop_table("plans")
    op.drop_table("payments")
    op.drop_table("standings")
    op.drop_table("affiliates")
    op.drop_index("ix_attestations_affiliate", table_name="attestations")
    op.drop_table("attestations")
    drop_access_tables()
    drop_idempotency_keys()
    drop_dead_letters_lease_and_replays()
    drop_outbox_and_inbox()
