"""dead letters, the relay's lease, replays; the access read model versioned; firm users' version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from delegation.schema import upgrade_access_tables_to_versions
from servicekit.schema import (
    add_dead_letters_lease_and_replays,
    drop_dead_letters_lease_and_replays,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letters_lease_and_replays()
    upgrade_access_tables_to_versions()
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("version")
    drop_dead_letters_lease_and_replays()
