"""the answers kept for requests sent with an Idempotency-Key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

from servicekit.schema import add_idempotency_keys, drop_idempotency_keys

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_idempotency_keys()


def downgrade() -> None:
    drop_idempotency_keys()
