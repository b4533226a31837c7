"""when each pension payment's amounts were recorded: a correction of the fund (same
reference, other amounts) replaces an older record, never a newer one

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pension_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pension_payments", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
