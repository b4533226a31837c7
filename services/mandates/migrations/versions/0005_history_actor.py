"""each mandate transition says who made it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00

``mandate_history.actor``: ``firm``, ``assure``, ``agent`` or ``system``, shown to the assuré
with every transition. The rows of before are given the actor their transition implies: the
firm requests, re-issues, activates, moves and deletes; the assuré ends a mandate ended by
``client``; the letter channel, the lock, a replacement and the registry are the system.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mandate_history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "actor", sa.String(length=12), nullable=False, server_default=sa.text("'system'")
            )
        )
    op.execute(
        "UPDATE mandate_history SET actor = 'firm' WHERE transition IN "
        "('requested', 'key_reissued', 'activated', 'moved', 'key_entered')"
        " OR (transition = 'deleted' AND detail <> 'registry')"
        " OR (transition = 'ended' AND detail = 'cabinet')"
    )
    op.execute(
        "UPDATE mandate_history SET actor = 'assure' WHERE transition = 'ended' "
        "AND detail = 'client'"
    )


def downgrade() -> None:
    with op.batch_alter_table("mandate_history", schema=None) as batch_op:
        batch_op.drop_column("actor")
