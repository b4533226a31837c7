"""one live telepayment per amount: the rest of an amount paid in part can be paid later

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status IN ('scheduled', 'sent')")


def upgrade() -> None:
    with op.batch_alter_table("telepayments") as batch:
        batch.drop_constraint("uq_telepayments_reference", type_="unique")
    op.create_index(
        "uq_telepayments_live_reference",
        "telepayments",
        ["affiliate_id", "reference"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_telepayments_live_reference", table_name="telepayments")
    with op.batch_alter_table("telepayments") as batch:
        batch.create_unique_constraint("uq_telepayments_reference", ["affiliate_id", "reference"])
