"""pension payments from the pension fund's feed

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 20:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pension_payments",
        sa.Column("pensioner_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("gross", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("net", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("taxable", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("pensioner_id", "payment_id", name="pk_pension_payments"),
    )


def downgrade() -> None:
    op.drop_table("pension_payments")
