"""dead letters and the relay's lease (dlq_replays exists since 0003)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

from servicekit.schema import (
    add_dead_letters_lease_and_replays,
    drop_dead_letters_lease_and_replays,
)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letters_lease_and_replays(with_replays=False)


def downgrade() -> None:
    drop_dead_letters_lease_and_replays(with_replays=False)
