"""portfolios carry a version, like mandates

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:00:00.000000

A portfolio counts its changes (name, subscribers, owner) so that a save applies only to the
version read and every portfolio event says which version it leaves. A portfolio that exists
already starts at version 1 (nothing recorded its earlier changes). Mandates have had their
``version`` since 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.drop_column("version")
