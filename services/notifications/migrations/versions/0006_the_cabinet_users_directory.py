"""the directory of firms' users (name, e-mail, rights), to tell a firm's administrators

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:20:00
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
        "cabinet_users",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("cabinet_id", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("cabinet_users", schema=None) as batch_op:
        batch_op.create_index("ix_cabinet_users_cabinet_id", ["cabinet_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cabinet_users", schema=None) as batch_op:
        batch_op.drop_index("ix_cabinet_users_cabinet_id")
    op.drop_table("cabinet_users")
