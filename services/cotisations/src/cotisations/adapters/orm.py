"""cotisations' tables (its own database): accounts, incomes, instalments, regularisations and
turnover declarations, the delegated-access read model, the outbox and inbox."""

from __future__ import annotations

from delegation import access_tables
from servicekit.tables import messaging_tables
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("category", String(30), nullable=False),
    Column("departement", String(3), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("periodicity", String(10), nullable=False),
    Column("debit_day", Integer, nullable=False),
    Column("payment_mode", String(20), nullable=False),
    Column("last_estimate_on", Date, nullable=True),
    Column("holder_name", String(200), nullable=False, server_default=""),
    Column("debit_day_changed_on", Date, nullable=True),
    Column("ledger_from", Date, nullable=True),
)

instalments = Table(
    "instalments",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "due_date", name="pk_instalments"),
)

incomes = Table(
    "incomes",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("kind", String(12), nullable=False),
    PrimaryKeyConstraint("affiliate_id", "year", name="pk_incomes"),
)

regularisations = Table(
    "regularisations",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("declared_on", Date, nullable=False),
    Column("income", Numeric(14, 2), nullable=False),
    Column("definitive_total", Numeric(14, 2), nullable=False),
    Column("called_total", Numeric(14, 2), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("due_date", Date, nullable=True),
    PrimaryKeyConstraint("affiliate_id", "year", name="pk_regularisations"),
)

declarations = Table(
    "declarations",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("turnover", Numeric(14, 2), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("declared_on", Date, nullable=False),
    PrimaryKeyConstraint("affiliate_id", "period", name="pk_declarations"),
)

published_standings = Table(
    "published_standings",
    metadata,
    Column("affiliate_id", String(64), primary_key=True),
    Column("facts", String(400), nullable=False),
)
"""The last standing ``standing_changed`` published for each account (its facts without
``as_of``): the daily sweep publishes again only what differs."""

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("affiliate_id", String(64), nullable=False),
    Column("entry_key", String(160), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("booked_on", Date, nullable=False),
    Column("value_date", Date, nullable=False),
    Column("obligation", String(160), nullable=True),
    Column("mode", String(20), nullable=True),
    Column("status", String(10), nullable=False),
    Column("external_reference", String(160), nullable=True),
    Column("reason", String(8), nullable=True),
    PrimaryKeyConstraint("affiliate_id", "entry_key", name="pk_ledger_entries"),
    Index("ix_ledger_entries_external_reference", "external_reference"),
)
"""The account's ledger: one row per entry, never deleted; the natural key makes a replay
post nothing twice."""

direct_debit_mandates = Table(
    "direct_debit_mandates",
    metadata,
    Column("rum", String(35), primary_key=True),
    Column("affiliate_id", String(64), nullable=False),
    Column("holder", String(70), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("creditor_id", String(35), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Index("ix_direct_debit_mandates_affiliate_id", "affiliate_id"),
)
"""SEPA Core mandates (RUM: référence unique du mandat). One in force per account at a time;
a change of account ends one and starts the next."""

debit_files = Table(
    "debit_files",
    metadata,
    Column("debit_date", Date, primary_key=True),
    Column("message_id", String(35), nullable=False),
    Column("file_name", String(120), nullable=False),
    Column("transactions", Integer, nullable=False),
    Column("total", Numeric(16, 2), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
)
"""One pain.008 file per debit day: the row is the run's guard (a second run finds it and
writes nothing) and keeps the file until the bank channel has it."""

messaging = messaging_tables(metadata)
outbox, inbox = messaging.outbox, messaging.inbox
access = access_tables(metadata)
