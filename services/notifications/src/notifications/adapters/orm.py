"""notifications' tables (its own database), plus the outbox and inbox of servicekit."""

from __future__ import annotations

from servicekit.tables import messaging_tables
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("source_event_id", String(64), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("context", JSON, nullable=False),
    Column("sealed", JSON, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("optional", Boolean, nullable=False, default=False),
    Column("letter_status", String(10), nullable=True),
    Column("provider_ref", String(100), nullable=True),
    Index("ix_deliveries_state_next", "state", "next_attempt_at"),
    Index("ix_deliveries_letter_status", "channel", "letter_status"),
)

affiliates = Table(
    "affiliates",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("address_lines", JSON, nullable=False),
    Column("email", String(320), nullable=True),
    Column("radiated", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("siren", String(9), nullable=True),
)

cabinet_users = Table(
    "cabinet_users",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("cabinet_id", String(64), nullable=True, index=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("rights", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=True),
)


messaging = messaging_tables(metadata)
outbox, inbox = messaging.outbox, messaging.inbox
