"""the declarations cotisations says are due and not received (a micro-entrepreneur's
turnover): the attestation de vigilance is refused while one is missing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 07:00:00
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
        "declarations_due",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id"),
    )


def downgrade() -> None:
    op.drop_table("declarations_due")
