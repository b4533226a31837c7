"""dead letters, the relay's lease and operators' replays

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

from servicekit.schema import (
    add_dead_letters_lease_and_replays,
    drop_dead_letters_lease_and_replays,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letters_lease_and_replays()


def downgrade() -> None:
    drop_dead_letters_lease_and_replays()
