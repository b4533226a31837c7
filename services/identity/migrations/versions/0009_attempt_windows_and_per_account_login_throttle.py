"""failed attempts per source and per NIR; the login throttle keyed by account

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attempt_windows",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    # The throttle was keyed by the identifier as typed (a NIR in clear among them); it is now
    # keyed by account. Its rows are short-lived state: they are dropped, not converted.
    op.execute("DELETE FROM login_throttles")


def downgrade() -> None:
    op.drop_table("attempt_windows")
