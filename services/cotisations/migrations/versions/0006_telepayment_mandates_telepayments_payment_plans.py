"""telepayment mandates, telepayments and payment-delay plans

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telepayment_mandates",
        sa.Column("mandate_id", sa.String(length=64), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("mandate_id"),
    )
    op.create_index(
        "ix_telepayment_mandates_affiliate_id", "telepayment_mandates", ["affiliate_id"]
    )
    op.create_index("ix_telepayment_mandates_iban", "telepayment_mandates", ["iban"])
    op.create_table(
        "telepayments",
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("debit_on", sa.Date(), nullable=False),
        sa.Column("changeable_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("payment_id"),
        sa.UniqueConstraint("affiliate_id", "reference", name="uq_telepayments_reference"),
    )
    op.create_table(
        "payment_plans",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("instalments", sa.JSON(), nullable=False),
        sa.Column("debt_references", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("paid", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id"),
    )
    op.create_index("ix_payment_plans_affiliate_id", "payment_plans", ["affiliate_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_plans_affiliate_id", table_name="payment_plans")
    op.drop_table("payment_plans")
    op.drop_table("telepayments")
    op.drop_index("ix_telepayment_mandates_iban", table_name="telepayment_mandates")
    op.drop_index("ix_telepayment_mandates_affiliate_id", table_name="telepayment_mandates")
    op.drop_table("telepayment_mandates")
