"""the account's ledger, SEPA direct-debit mandates and the debit days' files

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("entry_key", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("obligation", sa.String(length=160), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("external_reference", sa.String(length=160), nullable=True),
        sa.Column("reason", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("affiliate_id", "entry_key", name="pk_ledger_entries"),
    )
    op.create_index(
        "ix_ledger_entries_external_reference", "ledger_entries", ["external_reference"]
    )
    op.create_table(
        "direct_debit_mandates",
        sa.Column("rum", sa.String(length=35), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("creditor_id", sa.String(length=35), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("rum"),
    )
    op.create_index(
        "ix_direct_debit_mandates_affiliate_id", "direct_debit_mandates", ["affiliate_id"]
    )
    op.create_table(
        "debit_files",
        sa.Column("debit_date", sa.Date(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("debit_date"),
    )


def downgrade() -> None:
    op.drop_table("debit_files")
    op.drop_index("ix_direct_debit_mandates_affiliate_id", table_name="direct_debit_mandates")
    op.drop_table("direct_debit_mandates")
    op.drop_index("ix_ledger_entries_external_reference", table_name="ledger_entries")
    op.drop_table("ledger_entries")
