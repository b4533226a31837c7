"""attestations' tables (its own database): the certificates as issued, the read models fed by
the registry's and cotisations' events, the delegated-access read model, the messaging
tables."""

from __future__ import annotations

from delegation import access_tables
from servicekit.tables import messaging_tables, rate_limits_table
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

attestations = Table(
    "attestations",
    metadata,
    Column("attestation_id", String(36), primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("affiliate_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("holder", String(300), nullable=False),
    Column("siren", String(9), nullable=True),
    Column("period", String(300), nullable=False),
    Column("statement", Text, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revocation_reason", Text, nullable=True),
    Column("renewal_noticed_at", DateTime(timezone=True), nullable=True),
    Index("ix_attestations_affiliate", "affiliate_id", "issued_at"),
)

affiliates = Table(
    "affiliates",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("category", String(30), nullable=False),
    Column("holder", String(300), nullable=False),
    Column("siren", String(9), nullable=True),
    Column("affiliated_on", Date, nullable=False),
    Column("radiated_on", Date, nullable=True),
    Column("event_at", DateTime(timezone=True), nullable=False),
)

standings = Table(
    "standings",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("balance_due", Numeric(14, 2), nullable=False),
    Column("overdue", Numeric(14, 2), nullable=False),
    Column("oldest_overdue_due_date", Date, nullable=True),
    Column("up_to_date", Boolean, nullable=False),
    Column("event_at", DateTime(timezone=True), nullable=False),
)

declarations_due = Table(
    "declarations_due",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("periods", JSON, nullable=False),
    Column("event_at", DateTime(timezone=True), nullable=False),
)
"""The declarations cotisations says are due and not received, as its latest
``standing_changed`` said them."""

payments = Table(
    "payments",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("payment_id", String(100), nullable=False),
    Column("status", String(10), nullable=False),
    Column("amount", Numeric(14, 2), nullable=True),
    Column("mode", String(20), nullable=True),
    Column("value_date", Date, nullable=True),
    Column("event_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "payment_id", name="pk_payments"),
)

plans = Table(
    "plans",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("plan_id", String(100), nullable=False),
    Column("state", String(10), nullable=False),
    Column("event_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "plan_id", name="pk_plans"),
)


pension_payments = Table(
    "pension_payments",
    metadata,
    Column("pensioner_id", String(64), nullable=False),
    Column("payment_id", String(100), nullable=False),
    Column("period", String(7), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("gross", Numeric(14, 2), nullable=False),
    Column("net", Numeric(14, 2), nullable=False),
    Column("taxable", Numeric(14, 2), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("pensioner_id", "payment_id", name="pk_pension_payments"),
)

access = access_tables(metadata)
messaging = messaging_tables(metadata)
rate_limits = rate_limits_table(metadata)
