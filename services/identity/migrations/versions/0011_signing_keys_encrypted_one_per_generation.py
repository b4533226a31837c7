"""signing keys: sealed private keys, one key per generation, a time to start signing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:00:00

Existing keys get their generation in the order they were made and sign from their creation.
Their private key stays in ``private_jwk`` until the service's next start seals it into
``encrypted_jwk`` (the key encryption key is the running service's, not the migration's).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("generation", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("encrypted_jwk", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signs_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("private_jwk", existing_type=sa.Text(), nullable=True)
    keys = sa.table(
        "signing_keys",
        sa.column("kid", sa.String),
        sa.column("generation", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("signs_from", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(keys.c.kid, keys.c.created_at).order_by(keys.c.created_at))
    for generation, (kid, created_at) in enumerate(rows.all(), start=1):
        bind.execute(
            sa.update(keys)
            .where(keys.c.kid == kid)
            .values(generation=generation, signs_from=created_at)
        )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.alter_column("generation", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "signs_from", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_unique_constraint("uq_signing_keys_generation", ["generation"])


def downgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_constraint("uq_signing_keys_generation", type_="unique")
        batch_op.drop_column("signs_from")
        batch_op.drop_column("encrypted_jwk")
        batch_op.drop_column("generation")
