"""agencies, places held per slot, appointments and their history, verification codes used,
the people of the registry, messaging

Revision ID: 0001
Revises:
Create Date: 2026-12-02 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from servicekit.schema import (
    add_dead_letters_lease_and_replays,
    add_idempotency_keys,
    create_outbox_and_inbox,
    drop_dead_letters_lease_and_replays,
    drop_idempotency_keys,
    drop_outbox_and_inbox,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.String(length=20)


def upgrade() -> None:
    create_outbox_and_inbox()
    add_dead_letters_lease_and_replays()
    add_idempotency_keys()
    op.create_table(
        "agencies",
        sa.Column("agency_id", sa.String(length=64), primary_key=True),
        sa.Column("region", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_version", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("changed_at", INSTANT, nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "slot_holds",
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("agency_id", "starts_at"),
    )
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(length=36), primary_key=True),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("ends_at", INSTANT, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("nir_index", sa.String(length=64), nullable=False),
        sa.Column("nir_sealed", sa.Text(), nullable=False),
        sa.Column("first_names", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("affiliate_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_at", INSTANT, nullable=False),
        sa.Column("confirmed_at", INSTANT, nullable=True),
        sa.Column("cancelled_at", INSTANT, nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("reminded_at", INSTANT, nullable=True),
    )
    op.create_index("ix_appointments_agency_start", "appointments", ["agency_id", "starts_at"])
    op.create_index("ix_appointments_person", "appointments", ["nir_index", "state"])
    op.create_index(
        "ix_appointments_reminder", "appointments", ["state", "reminded_at", "starts_at"]
    )
    op.create_table(
        "appointment_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "appointment_id",
            sa.String(length=36),
            sa.ForeignKey("appointments.appointment_id"),
            nullable=False,
        ),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_appointment_history_appointment_id", "appointment_history", ["appointment_id"]
    )
    op.create_table(
        "captcha_uses",
        sa.Column("replay_key", sa.String(length=128), primary_key=True),
        sa.Column("used_at", INSTANT, nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("affiliate_id", sa.String(length=64), primary_key=True),
        sa.Column("first_names", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("event_at", INSTANT, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "people",
        "captcha_uses",
        "appointment_history",
        "appointments",
        "slot_holds",
        "agencies",
    ):
        op.drop_table(table)
    drop_idempotency_keys()
    drop_dead_letters_lease_and_replays()
    drop_outbox_and_inbox()
