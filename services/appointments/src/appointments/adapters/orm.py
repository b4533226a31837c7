"""appointments' tables (its own database): the agencies' reference records, the places held
per slot, the appointments and their history, the verification codes used, the people known
from the registry (the form's pre-filling), the messaging tables.

Instants are stored as fixed-width UTC text (``2026-03-10T08:30:00Z``, :class:`UtcInstant`):
the same value, order and equality on SQLite and PostgreSQL, so a slot's row is found by its
start whatever the driver does with time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.tables import messaging_tables, rate_limits_table
from sqlalchemy import (
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData()

INSTANT = "%Y-%m-%dT%H:%M:%SZ"


class UtcInstant(TypeDecorator[datetime]):
    """An aware datetime kept as ``YYYY-MM-DDTHH:MM:SSZ`` (seconds, UTC)."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("an instant must be an aware datetime")
        return value.astimezone(UTC).strftime(INSTANT)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # what process_bind_param wrote; fromisoformat reads it many times faster than strptime
        # (the search reads every place held in its window)
        read = datetime.fromisoformat(str(value))
        return read if read.tzinfo is not None else read.replace(tzinfo=UTC)


agencies = Table(
    "agencies",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("region", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("file_version", Integer, nullable=False),
    Column("record", Text, nullable=False),
    Column("changed_at", UtcInstant, nullable=False),
    Column("changed_by", String(200), nullable=False),
)
"""One row per agency: ``record`` is its reference record as the file writes it (JSON);
``version`` counts its changes; ``file_version`` is the file's version last applied."""

slot_holds = Table(
    "slot_holds",
    metadata,
    Column("agency_id", String(64), nullable=False),
    Column("starts_at", UtcInstant, nullable=False),
    Column("taken", Integer, nullable=False, default=0),
    Column("capacity", Integer, nullable=True),
    PrimaryKeyConstraint("agency_id", "starts_at"),
)
"""The places taken in a slot, and its capacity when an agent set one (else the agency's
default). A place is taken by one conditional UPDATE (``taken < capacity``)."""

appointments = Table(
    "appointments",
    metadata,
    Column("appointment_id", String(36), primary_key=True),
    Column("agency_id", String(64), nullable=False),
    Column("starts_at", UtcInstant, nullable=False),
    Column("ends_at", UtcInstant, nullable=False),
    Column("channel", String(10), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("state", String(12), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("nir_index", String(64), nullable=False),
    Column("nir_sealed", Text, nullable=False),
    Column("first_names", String(200), nullable=False),
    Column("last_name", String(200), nullable=False),
    Column("address", Text, nullable=False),
    Column("mobile", String(20), nullable=False),
    Column("email", String(320), nullable=False),
    Column("affiliate_id", String(64), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("requested_at", UtcInstant, nullable=False),
    Column("confirmed_at", UtcInstant, nullable=True),
    Column("cancelled_at", UtcInstant, nullable=True),
    Column("cancelled_by", String(10), nullable=True),
    Column("explanation", Text, nullable=True),
    Column("reminded_at", UtcInstant, nullable=True),
    Index("ix_appointments_agency_start", "agency_id", "starts_at"),
    Index("ix_appointments_person", "nir_index", "state"),
    Index("ix_appointments_reminder", "state", "reminded_at", "starts_at"),
)

history = Table(
    "appointment_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "appointment_id",
        String(36),
        ForeignKey("appointments.appointment_id"),
        nullable=False,
        index=True,
    ),
    Column("at", UtcInstant, nullable=False),
    Column("change", String(20), nullable=False),
    Column("by", String(200), nullable=False),
    Column("starts_at", UtcInstant, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

captcha_uses = Table(
    "captcha_uses",
    metadata,
    Column("replay_key", String(128), primary_key=True),
    Column("used_at", UtcInstant, nullable=False),
)
"""Each solved verification code is accepted once."""

people = Table(
    "people",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("first_names", String(200), nullable=False),
    Column("last_name", String(200), nullable=False),
    Column("address", Text, nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    Column("event_at", UtcInstant, nullable=False),
)
"""The registry's affiliés (identity.affiliate), for the form's pre-filling; no NIR."""

messaging = messaging_tables(metadata)
rate_limits = rate_limits_table(metadata)
