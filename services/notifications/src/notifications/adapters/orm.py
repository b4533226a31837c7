"""notifications' tables (its own database), plus the outbox and inbox of servicekit."""

from __future__ import annotations

from servicekit.tables import add_messaging_tables
from sqlalchemy import JSON, Column, DateTime, Index, Integer, MetaData, String, Table, Text

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
    Index("ix_deliveries_state_next", "state", "next_attempt_at"),
)

outbox, inbox = add_messaging_tables(metadata)
