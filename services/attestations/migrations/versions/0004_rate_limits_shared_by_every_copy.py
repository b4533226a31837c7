"""rate limits counted in the database, shared by every copy of the api

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:00:00
"""

from collections.abc import Sequence

from servicekit.schema import add_rate_limits, drop_rate_limits

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_rate_limits()


def downgrade() -> None:
    drop_rate_limits()
