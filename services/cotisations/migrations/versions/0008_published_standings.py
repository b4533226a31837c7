"""the last standing published for each account

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_standings",
        sa.Column("affiliate_id", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id"),
    )


def downgrade() -> None:
    op.drop_table("published_standings")
